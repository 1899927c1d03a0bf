// The engine's own CPU kernels against the libtorch operations they replace, forward and
// backward: geluTanh against torch::gelu(x, "tanh") computed in double, fusedCausalAttention
// against heads split from the projection, compat::attention's explicit causal path and the
// heads merged again. Shapes cover one row, sequences shorter than a row block, exactly one
// block and ragged ends; values cover the GELU's saturated tails and non-finite input.
//
// Bounds. The kernels compute in float32, so they are compared with the exact result (torch in
// float64). Attention and the whole model must be about as accurate as libtorch's own float32
// operations on the same input: within kAsAccurate times torch's float32 error, plus a few ulps
// of the output's size where both are exact. Both errors come from the same roundings in
// another order, so their ratio does not move with the CPU or the kernels OpenBLAS picks, as a
// fixed number would (a wrong mask or a missed row moves results by 1e-2 or more). The GELU,
// elementwise, has a bound of its own in ulps.
#include "reduction_order.h"
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

// The fused backward sums the softmax gradient in another order: measured up to 2.6 times
// torch's own float32 error (one 32-row block, Intel Xeon, 1 and 2 threads); 8 leaves 3x.
constexpr double kAsAccurate = 8;
constexpr double kFloatUlp = 1.2e-7;  // 2^-23, float's spacing at 1

// The bound for a float32 result whose exact value is `exact` and whose libtorch float32
// counterpart is `torchFloat`.
double asAccurateAsTorch(const torch::Tensor &torchFloat, const torch::Tensor &exact) {
    return kAsAccurate * maxAbsDifference(torchFloat, exact) +
           4 * kFloatUlp * exact.abs().max().item<double>();
}

}  // namespace

class TestFusedKernels : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { test::useTestTorchThreads(); }

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
        // x * sigmoid(2u) with the kernel's exponential (relative error under 1e-8, vector_math.h):
        // a handful of float roundings of 6e-8 of max(1, |x|) each; 2e-6 is ~30 ulps.
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
        torch::Tensor qkvf = qkv.detach().clone().requires_grad_(true);
        torch::Tensor yf = referenceAttention(qkvf, heads);  // libtorch's float32 path
        yf.backward(upstream);
        const double forward = maxAbsDifference(y.detach(), yd.detach()),
                     forwardBound = asAccurateAsTorch(yf.detach(), yd.detach());
        const double backward = maxAbsDifference(qkv.grad(), qkvd.grad()),
                     backwardBound = asAccurateAsTorch(qkvf.grad(), qkvd.grad());
        QVERIFY2(forward <= forwardBound, qPrintable(QStringLiteral("forward %1 > %2").arg(forward).arg(forwardBound)));
        QVERIFY2(backward <= backwardBound,
                 qPrintable(QStringLiteral("backward %1 > %2").arg(backward).arg(backwardBound)));
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
        model::Gpt gpt(config), reference(config), torchFloat(config);
        {
            torch::NoGradGuard noGrad;
            auto from = gpt->named_parameters(), to = reference->named_parameters(),
                 plain = torchFloat->named_parameters();
            for (const auto &p : from) {
                to[p.key()].copy_(p.value());
                plain[p.key()].copy_(p.value());
            }
        }
        reference->to(torch::kDouble);
        torch::Tensor ids = torch::randint(0, config.vocabSize, {3, 70}, torch::kLong);
        torch::Tensor logits = gpt->forward(ids), logitsd = reference->forward(ids);
        // The same weights in float32 through the masked path, where attention is libtorch's
        // (the GELU is the engine's kernel in both, checked on its own above).
        torch::Tensor mask = torch::ones({3, 70}, torch::kBool);
        model::KvCache noCache;
        torch::Tensor logitsf = torchFloat->forwardCached(ids, torch::arange(70).expand({3, 70}), mask, noCache);
        QVERIFY(maxAbsDifference(logits, logitsd) <= asAccurateAsTorch(logitsf, logitsd));
        logits.square().mean().backward();
        logitsd.square().mean().backward();
        logitsf.square().mean().backward();
        auto grads = reference->named_parameters(), plainGrads = torchFloat->named_parameters();
        for (const auto &p : gpt->named_parameters()) {
            const torch::Tensor &exact = grads[p.key()].grad();
            QVERIFY2(maxAbsDifference(p.value().grad(), exact) <= asAccurateAsTorch(plainGrads[p.key()].grad(), exact),
                     p.key().c_str());
        }
    }
};

QTEST_APPLESS_MAIN(TestFusedKernels)
#include "test_fused_kernels.moc"
