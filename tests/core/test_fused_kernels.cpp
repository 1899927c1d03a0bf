// The engine's own CPU kernels against the libtorch operations they replace, forward and
// backward: geluTanh against torch::gelu(x, "tanh") computed in double, fusedCausalAttention
// against heads split from the projection, compat::attention's explicit causal path and the
// heads merged again. Shapes cover one row, sequences shorter than a row block, exactly one
// block and ragged ends; values cover the GELU's saturated tails and non-finite input.
#include "test_support.h"

#include "model/fused_attention.h"
#include "model/gelu.h"
#include "model/gpt.h"
#include "model/torch_compat.h"

#include <cmath>
#include <limits>

using namespace inoculab;

namespace {

// The reference: what CausalSelfAttentionImpl computed before the fused path, in double.
torch::Tensor referenceAttention(const torch::Tensor &qkv, std::int64_t heads) {
    const std::int64_t b = qkv.size(0), t = qkv.size(1), c = qkv.size(2) / 3;
    auto parts = qkv.view({b, t, 3, heads, c / heads}).permute({2, 0, 3, 1, 4}).unbind(0);
    torch::Tensor y = model::compat::attention(parts[0], parts[1], parts[2]);
    return y.transpose(1, 2).contiguous().view({b, t, c});
}

double maxAbsDifference(const torch::Tensor &a, const torch::Tensor &b) {
    return (a.to(torch::kDouble) - b.to(torch::kDouble)).abs().max().item<double>();
}

}  // namespace

class TestFusedKernels : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void geluMatchesTorchForwardAndBackward() {
        torch::manual_seed(1);
        // Typical activations, the saturated tails, exact zero and the sign change around it.
        torch::Tensor x = torch::cat({torch::randn({5000}) * 3, torch::linspace(-30, 30, 6001), torch::zeros({1})});
        torch::Tensor xf = x.clone().requires_grad_(true);
        torch::Tensor y = model::geluTanh(xf);
        torch::Tensor upstream = torch::randn_like(x);
        y.backward(upstream);

        torch::Tensor xd = x.to(torch::kDouble).requires_grad_(true);
        torch::Tensor yd = torch::gelu(xd, "tanh");
        yd.backward(upstream.to(torch::kDouble));
        // Float rounding of a result of size |x|: a few ulps of max(1, |x|).
        torch::Tensor scale = x.abs().clamp_min(1).to(torch::kDouble);
        QVERIFY(((y.detach().to(torch::kDouble) - yd.detach()).abs() / scale).max().item<double>() < 2e-6);
        QVERIFY(maxAbsDifference(xf.grad(), xd.grad()) < 2e-6 * upstream.abs().max().item<double>());

        // Without gradients: the same values through the forward-only loop.
        torch::NoGradGuard noGrad;
        QVERIFY(model::geluTanh(x).equal(y.detach()));
    }

    void geluKeepsShapeAndPropagatesNaN() {
        torch::Tensor x = torch::tensor({-std::numeric_limits<float>::infinity(), std::nanf(""), 0.0f, 100.0f, -100.0f,
                                         std::numeric_limits<float>::infinity()})
                              .view({2, 3})
                              .t();  // not contiguous
        torch::Tensor y = model::geluTanh(x);
        QCOMPARE(y.sizes().vec(), x.sizes().vec());
        QVERIFY(std::isnan(y[1][0].item<float>()));  // NaN in, NaN out: divergence stays visible
        QCOMPARE(y[0][1].item<float>(), 100.0f);
        QVERIFY(std::abs(y[1][1].item<float>()) < 1e-30f);
        QCOMPARE(y[2][0].item<float>(), 0.0f);
        // Other dtypes go to torch::gelu.
        torch::Tensor xd = torch::linspace(-4, 4, 9, torch::kDouble);
        QVERIFY(model::geluTanh(xd).equal(torch::gelu(xd, "tanh")));
    }

    void attentionMatchesExplicitPath_data() {
        QTest::addColumn<int>("batch");
        QTest::addColumn<int>("time");
        QTest::addColumn<int>("heads");
        QTest::addColumn<int>("headDim");
        QTest::newRow("one row") << 2 << 1 << 2 << 8;
        QTest::newRow("shorter than a block") << 3 << 7 << 4 << 16;
        QTest::newRow("one block") << 1 << 32 << 1 << 32;
        QTest::newRow("ragged end") << 2 << 77 << 3 << 8;
        QTest::newRow("toy model's shape") << 2 << 129 << 4 << 32;
    }

    void attentionMatchesExplicitPath() {
        QFETCH(int, batch);
        QFETCH(int, time);
        QFETCH(int, heads);
        QFETCH(int, headDim);
        torch::manual_seed(time);
        const std::int64_t c = std::int64_t{heads} * headDim;
        // Scores of a few units, as in a trained model, so the softmax is far from uniform.
        torch::Tensor qkv = (torch::randn({batch, time, 3 * c}) * 2).requires_grad_(true);
        torch::Tensor y = model::fusedCausalAttention(qkv, heads);
        QCOMPARE(y.sizes().vec(), (std::vector<std::int64_t>{batch, time, c}));
        torch::Tensor upstream = torch::randn_like(y);
        y.backward(upstream);

        torch::Tensor qkvd = qkv.detach().to(torch::kDouble).requires_grad_(true);
        torch::Tensor yd = referenceAttention(qkvd, heads);
        yd.backward(upstream.to(torch::kDouble));
        QVERIFY2(maxAbsDifference(y.detach(), yd.detach()) < 1e-5, "forward");
        QVERIFY2(maxAbsDifference(qkv.grad(), qkvd.grad()) < 1e-4, "backward");
        // Something to compare: the gradient reaches v, and q and k where a row has more than
        // one key to weigh (a softmax over one key is 1 whatever the scores).
        for (std::int64_t part = time > 1 ? 0 : 2; part < 3; ++part)
            QVERIFY(qkv.grad().narrow(2, part * c, c).abs().sum().item<double>() > 0);

        torch::NoGradGuard noGrad;
        QVERIFY(maxAbsDifference(model::fusedCausalAttention(qkv.detach(), heads), y.detach()) == 0);
    }

    void attentionIsCausal() {
        // Changing the last position's q/k/v changes no earlier output.
        torch::manual_seed(3);
        torch::Tensor qkv = torch::randn({1, 40, 3 * 16});
        torch::Tensor changed = qkv.clone();
        changed[0][39] += 5;
        torch::Tensor a = model::fusedCausalAttention(qkv, 2), b = model::fusedCausalAttention(changed, 2);
        QVERIFY(a.narrow(1, 0, 39).equal(b.narrow(1, 0, 39)));
        QVERIFY(!a[0][39].equal(b[0][39]));
    }

    void attentionNaNStaysVisible() {
        torch::Tensor qkv = torch::randn({1, 5, 3 * 8});
        qkv[0][2][0] = std::nanf("");  // a query of row 2
        torch::Tensor y = model::fusedCausalAttention(qkv, 1);
        QVERIFY(torch::isnan(y[0][2]).all().item<bool>());
        QVERIFY(!torch::isnan(y[0][1]).any().item<bool>());
    }

    void attentionRefusesWhatItDoesNotHandle() {
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, model::fusedCausalAttention(torch::randn({1, 4, 10}), 2));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                                 model::fusedCausalAttention(torch::randn({1, 4, 12}, torch::kDouble), 2));
        QVERIFY(!model::fusedAttentionApplies(torch::randn({1, 4, 12}, torch::kDouble)));
    }

    void toyModelLogitsUnchangedByTheFusedPath() {
        // The whole toy model: logits and weight gradients with the fused kernels (float) and
        // through torch's operations (double, where the fused path does not apply).
        torch::manual_seed(5);
        model::GptConfig config;
        config.dModel = 32;
        config.layers = 2;
        config.heads = 4;
        config.context = 80;
        model::Gpt gpt(config), reference(config);
        {
            torch::NoGradGuard noGrad;
            auto from = gpt->named_parameters(), to = reference->named_parameters();
            for (const auto &p : from) to[p.key()].copy_(p.value());
        }
        reference->to(torch::kDouble);
        torch::Tensor ids = torch::randint(0, config.vocabSize, {3, 70}, torch::kLong);
        torch::Tensor logits = gpt->forward(ids), logitsd = reference->forward(ids);
        QVERIFY(maxAbsDifference(logits, logitsd) < 1e-5);
        logits.square().mean().backward();
        logitsd.square().mean().backward();
        auto grads = reference->named_parameters();
        for (const auto &p : gpt->named_parameters())
            QVERIFY2(maxAbsDifference(p.value().grad(), grads[p.key()].grad()) < 1e-6, p.key().c_str());
    }
};

QTEST_APPLESS_MAIN(TestFusedKernels)
#include "test_fused_kernels.moc"
