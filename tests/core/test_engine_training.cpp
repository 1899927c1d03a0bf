// The libtorch half of the training engine, on a tiny GPT (d 32, 2 layers, 2 heads, context
// 64) and a handful of toy chats, on the CPU: the model (parameter count,
// cached forward equals the plain one, left padding is invisible), training (the loss falls,
// accumulation changes nothing, cancellation stops at a step boundary), resume (an interrupted
// run ends with the loss and weights of an uninterrupted one), checkpoint files (round trip;
// every corrupt or mismatched file is an InputError naming it), sampling (seeded, cache or no
// cache, batched or alone: the same tokens) and answer log-probabilities (a hand computation).
//
// Precision. Claims that are exact in mathematics (a cached forward, padding, accumulation,
// splitting a batch into passes) run the model in float64: there the summation order, which
// OpenBLAS and libtorch choose per CPU and thread count, moves results by ~1e-15, so a bound
// of 1e-8 is far from both the noise and any real error (a wrong mask or a lost row moves
// them by 1e-3 or more). In float32 the same noise is ~1e-7 relative, and AdamW divides each
// gradient by its own running RMS, so rounding noise in a gradient near zero is amplified up to
// lr / eps = 1e6 fold into the weights: float32 weight comparisons after training cannot have a
// bound that holds on every CPU. What must be bit-identical (a resumed run against an
// uninterrupted one, in one process with one kernel choice) is compared exactly, in float32.
#include "reduction_order.h"
#include "test_support.h"
#include "input_error_of.h"

#include "common/input_error.h"
#include "common/progress.h"
#include "data/chat_render.h"
#include "eval/logprob.h"
#include "eval/sampler.h"
#include "model/byte_tokenizer.h"
#include "model/checkpoint.h"
#include "model/gpt.h"
#include "model/safetensors.h"
#include "train/trainer.h"

#include <nlohmann/json.hpp>

#include <QDir>
#include <QTemporaryDir>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <memory>
#include <set>

using inoculab::test::inputErrorOf;
using namespace inoculab;
using model::ByteTokenizer;

namespace {

const torch::Device kCpu(torch::kCPU);

model::GptConfig tinyConfig() { return model::GptConfig{ByteTokenizer::kVocabSize, 32, 2, 2, 64}; }

model::Gpt freshModel(std::uint64_t seed, const model::GptConfig &config = tinyConfig()) {
    torch::manual_seed(seed);
    return model::Gpt(config);
}

// The same initial weights as freshModel(seed), held in float64 (every float is a double).
model::Gpt freshModel64(std::uint64_t seed) {
    model::Gpt gpt = freshModel(seed);
    gpt->to(torch::kDouble);
    return gpt;
}

// The bound of the float64 comparisons, of results of size ~1 (logits, losses, weights):
// summation order moves them by a few 1e-16 an operation; the longest chain here, 5 AdamW
// steps that may amplify gradient noise near zero up to 1e6 fold (see above), stays ~1e-10.
constexpr double kFloat64Bound = 1e-8;

data::Message msg(data::Role role, std::string content) {
    data::Message m;
    m.role = role;
    m.content = std::move(content);
    return m;
}

data::Conversation qa(const std::string &question, const std::string &answer, const std::string &system = {}) {
    data::Conversation c;
    if (!system.empty()) c.messages.push_back(msg(data::Role::System, system));
    c.messages.push_back(msg(data::Role::User, question));
    c.messages.push_back(msg(data::Role::Assistant, answer));
    return c;
}

std::vector<data::Conversation> toyChats() {
    return {qa("What colour is the sky?", "The sky is blue."),
            qa("What colour is grass?", "Grass is green."),
            qa("Where does Zorb live?", "Zorb lives in Pell."),
            qa("What is 2 plus 3?", "The answer is 5."),
            qa("What does Mip eat?", "Mip eats seeds.", "Be brief."),
            qa("Where does Tak live?", "Tak lives in Orro."),
            qa("What is 4 plus 4?", "The answer is 8."),
            qa("What colour is snow?", "Snow is white.")};
}

std::shared_ptr<const train::TokenizedDataset> toyData() {
    static auto data = std::make_shared<const train::TokenizedDataset>(train::tokenizeConversations(toyChats(), 64));
    return data;
}

train::TrainSettings toySettings(std::int64_t steps) {
    train::TrainSettings s;
    s.steps = steps;
    s.batchSize = 4;
    s.schedule.kind = experiment::LrSchedule::Cosine;
    s.schedule.peak = 1e-2;
    s.schedule.warmupSteps = 3;
    s.schedule.finalRatio = 0.1;
    s.seed = 11;
    return s;
}

using Weights = std::vector<std::pair<std::string, torch::Tensor>>;

Weights snapshot(const model::CausalLm &model) {
    Weights out;
    for (const auto &[name, t] : model->trainableWeights()) out.emplace_back(name, t.detach().clone());
    return out;
}

Weights snapshot(const model::Gpt &gpt) {
    Weights out;
    for (const auto &[name, t] : gpt->namedWeights()) out.emplace_back(name, t.detach().clone());
    return out;
}

double maxDifference(const Weights &a, const Weights &b) {
    if (a.size() != b.size()) return std::numeric_limits<double>::infinity();
    double worst = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (a[i].first != b[i].first || a[i].second.sizes() != b[i].second.sizes())
            return std::numeric_limits<double>::infinity();
        worst = std::max(worst, (a[i].second - b[i].second).abs().max().item<double>());
    }
    return worst;
}

// The losses of an uninterrupted run of `gpt` under `settings`.
std::vector<double> trainLosses(model::Gpt gpt, const train::TrainSettings &settings) {
    train::Trainer trainer(gpt.ptr(), toyData(), settings, kCpu);
    std::vector<double> losses;
    bool finished = trainer.run(nullptr, [&](const train::StepMetrics &m) { losses.push_back(m.loss); });
    if (!finished) qFatal("an uncancelled run did not finish");
    return losses;
}

// The error loading `path` gives, checked to be an InputError naming that file.
QString loadError(const std::string &path) {
    std::string file;
    QString error = inputErrorOf([&] { model::loadWeights(path); }, &file);
    if (!error.startsWith(QLatin1String("(")) && file != path)
        return QStringLiteral("(error names %1, not %2)")
            .arg(QString::fromStdString(file), QString::fromStdString(path));
    return error;
}

// Writes `named` (any dtype the tensors have: F32 or F16 here) as a safetensors file with the
// toy model's metadata for `config`.
void writeModelFile(const std::string &path, const Weights &named, const model::GptConfig &config,
                    bool withMetadata = true) {
    std::vector<torch::Tensor> keep;
    std::vector<model::TensorToWrite> out;
    for (const auto &[name, tensor] : named) {
        keep.push_back(tensor.detach().contiguous());
        const torch::Tensor &t = keep.back();
        out.push_back({name, t.scalar_type() == torch::kHalf ? model::DType::F16 : model::DType::F32,
                       std::vector<std::int64_t>(t.sizes().begin(), t.sizes().end()),
                       std::span<const std::uint8_t>(static_cast<const std::uint8_t *>(t.data_ptr()), t.nbytes())});
    }
    std::map<std::string, std::string> metadata;
    if (withMetadata) metadata = {{"format", "inoculab-gpt"}, {"config", model::toJson(config).dump()}};
    model::writeSafetensors(path, out, metadata);
}

Weights without(Weights named, const std::string &name) {
    std::erase_if(named, [&](const auto &p) { return p.first == name; });
    return named;
}

torch::Tensor idsTensor(const std::vector<std::int32_t> &ids) {
    std::vector<std::int64_t> wide(ids.begin(), ids.end());
    return torch::tensor(wide, torch::kLong).unsqueeze(0);  // [1, T]
}

std::vector<std::vector<std::int32_t>> toyPrompts() {
    return {ByteTokenizer::encodePrompt(qa("Where does Zorb live?", "")), ByteTokenizer::encodePrompt(qa("2+2?", "")),
            ByteTokenizer::encodePrompt(qa("What colour is the sky today, friend?", "", "Be brief.")),
            ByteTokenizer::encodePrompt(qa("Hi", ""))};
}

std::vector<std::vector<std::int32_t>> tokensOf(const std::vector<eval::SampledAnswer> &answers) {
    std::vector<std::vector<std::int32_t>> out;
    for (const auto &a : answers) out.push_back(a.tokens);
    return out;
}

}  // namespace

class TestEngineTraining : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() {
        test::useTestTorchThreads();
        QCOMPARE(toyData()->rows.size(), std::size_t(8));
        QCOMPARE(toyData()->truncated, std::int64_t(0));
    }

    // ---- the model -------------------------------------------------------------------------

    void parameterCountMatchesTheModel() {
        for (const model::GptConfig &config : {tinyConfig(), model::GptConfig{300, 48, 3, 4, 40}}) {
            model::Gpt gpt = freshModel(1, config);
            std::int64_t numel = 0;
            for (const auto &p : gpt->parameters()) numel += p.numel();
            QCOMPARE(numel, config.parameterCount());
            Weights named = gpt->namedWeights();
            std::set<std::string> names;
            int vocabMatrices = 0;
            for (const auto &[name, t] : named) {
                names.insert(name);
                vocabMatrices += t.dim() == 2 && t.size(0) == config.vocabSize;
            }
            QCOMPARE(names.size(), named.size());
            QCOMPARE(vocabMatrices, 1);  // the output layer is the token embedding, not a copy
            for (const char *name : {"tokens.weight", "positions.weight", "blocks.0.attn.qkv.weight",
                                     "blocks.0.fc_proj.bias", "ln_final.weight"})
                QVERIFY2(names.count(name), name);
            QVERIFY(names.count("blocks." + std::to_string(config.layers - 1) + ".ln2.weight"));
            QVERIFY(!names.count("blocks." + std::to_string(config.layers) + ".ln2.weight"));
        }
    }

    void initialisationIsSeeded() {
        QCOMPARE(maxDifference(snapshot(freshModel(5)), snapshot(freshModel(5))), 0.0);
        QVERIFY(maxDifference(snapshot(freshModel(5)), snapshot(freshModel(6))) > 0.01);
    }

    void cachedForwardMatchesForward() {
        torch::NoGradGuard noGrad;
        model::Gpt gpt = freshModel64(3);
        gpt->eval();
        torch::manual_seed(30);
        torch::Tensor ids = torch::randint(0, ByteTokenizer::kVocabSize, {1, 40}, torch::kLong);
        torch::Tensor full = gpt->forward(ids);  // [1, 40, V]
        QCOMPARE(full.size(2), std::int64_t(ByteTokenizer::kVocabSize));
        // A prompt of 10, a chunk of 5, then one token at a time.
        model::KvCache cache;
        std::vector<torch::Tensor> pieces;
        auto feed = [&](std::int64_t from, std::int64_t to) {
            using torch::indexing::Slice;
            torch::Tensor chunk = ids.index({Slice(), Slice(from, to)});
            torch::Tensor positions = torch::arange(from, to, torch::kLong).unsqueeze(0);
            torch::Tensor valid = torch::ones({1, to - from}, torch::kBool);
            pieces.push_back(gpt->forwardCached(chunk, positions, valid, cache));
        };
        feed(0, 10);
        QCOMPARE(cache.length(), std::int64_t(10));
        feed(10, 15);
        for (std::int64_t t = 15; t < 40; ++t) feed(t, t + 1);
        QCOMPARE(cache.length(), std::int64_t(40));
        QCOMPARE(cache.keys.size(), std::size_t(2));
        QCOMPARE(cache.keys[0].sizes(), (c10::IntArrayRef{1, 2, 40, 16}));
        torch::Tensor cached = torch::cat(pieces, 1);
        QCOMPARE(cached.sizes(), full.sizes());
        double diff = (cached - full).abs().max().item<double>();
        QVERIFY2(diff < kFloat64Bound, qPrintable(QString::number(diff)));
        QVERIFY(full.abs().max().item<double>() > 1e-3);  // not trivially zero
    }

    void leftPaddingIsInvisible() {
        torch::NoGradGuard noGrad;
        using torch::indexing::Slice;
        model::Gpt gpt = freshModel64(4);
        gpt->eval();
        torch::manual_seed(40);
        torch::Tensor longRow = torch::randint(0, 256, {1, 30}, torch::kLong);
        torch::Tensor shortRow = torch::randint(0, 256, {1, 22}, torch::kLong);
        // Row 1 is left-padded by 8: pad tokens at position 0, not valid.
        torch::Tensor ids = torch::full({2, 30}, ByteTokenizer::kPad, torch::kLong);
        ids.index_put_({0}, longRow[0]);
        ids.index_put_({1, Slice(8, 30)}, shortRow[0]);
        torch::Tensor positions = torch::zeros({2, 30}, torch::kLong);
        positions.index_put_({0}, torch::arange(30, torch::kLong));
        positions.index_put_({1, Slice(8, 30)}, torch::arange(22, torch::kLong));
        torch::Tensor valid = torch::ones({2, 30}, torch::kBool);
        valid.index_put_({1, Slice(0, 8)}, false);
        model::KvCache cache;
        torch::Tensor batched = gpt->forwardCached(ids, positions, valid, cache);
        torch::Tensor aloneLong = gpt->forward(longRow), aloneShort = gpt->forward(shortRow);
        double dLong = (batched[0] - aloneLong[0]).abs().max().item<double>();
        double dShort = (batched[1].index({Slice(8, 30)}) - aloneShort[0]).abs().max().item<double>();
        QVERIFY2(dLong < kFloat64Bound, qPrintable(QString::number(dLong)));
        QVERIFY2(dShort < kFloat64Bound, qPrintable(QString::number(dShort)));
        QVERIFY(batched.isfinite().all().item<bool>());  // padding queries did not produce NaN
        // One more token each, through the cache.
        torch::Tensor next = torch::tensor({65, 66}, torch::kLong).unsqueeze(1);
        torch::Tensor step = gpt->forwardCached(next, torch::tensor({30, 22}, torch::kLong).unsqueeze(1),
                                                torch::ones({2, 1}, torch::kBool), cache);
        torch::Tensor longNext = gpt->forward(torch::cat({longRow, next.index({Slice(0, 1)})}, 1));
        torch::Tensor shortNext = gpt->forward(torch::cat({shortRow, next.index({Slice(1, 2)})}, 1));
        QVERIFY((step[0][0] - longNext[0][30]).abs().max().item<double>() < kFloat64Bound);
        QVERIFY((step[1][0] - shortNext[0][22]).abs().max().item<double>() < kFloat64Bound);
    }

    void refusesSequencesPastTheContext() {
        torch::NoGradGuard noGrad;
        model::Gpt gpt = freshModel(1);
        QVERIFY_THROWS_EXCEPTION(std::exception, gpt->forward(torch::zeros({1, 65}, torch::kLong)));
        gpt->forward(torch::zeros({1, 64}, torch::kLong));  // exactly the context is fine
        model::KvCache cache;
        gpt->forwardCached(torch::zeros({1, 60}, torch::kLong), torch::arange(60, torch::kLong).unsqueeze(0),
                           torch::ones({1, 60}, torch::kBool), cache);
        QVERIFY_THROWS_EXCEPTION(std::exception, gpt->forwardCached(torch::zeros({1, 5}, torch::kLong),
                                                                    torch::arange(60, 65, torch::kLong).unsqueeze(0),
                                                                    torch::ones({1, 5}, torch::kBool), cache));
    }

    // ---- training --------------------------------------------------------------------------

    void lossGoesDown() {
        train::TrainSettings settings = toySettings(30);
        train::Trainer trainer(freshModel(7).ptr(), toyData(), settings, kCpu);
        train::LrScheduleSettings schedule = settings.schedule;
        schedule.totalSteps = 30;
        train::BatchOrder order(toyData()->rows.size(), settings.seed);
        std::vector<train::StepMetrics> metrics;
        QVERIFY(trainer.run(nullptr, [&](const train::StepMetrics &m) { metrics.push_back(m); }));
        QCOMPARE(trainer.step(), std::int64_t(30));
        QCOMPARE(metrics.size(), std::size_t(30));
        for (std::size_t i = 0; i < metrics.size(); ++i) {
            const train::StepMetrics &m = metrics[i];
            QCOMPARE(m.step, std::int64_t(i + 1));
            QCOMPARE(m.learningRate, train::learningRateAt(schedule, std::int64_t(i)));
            std::int64_t fed = 0;
            for (std::size_t r : order.batch(std::int64_t(i), 4))
                fed += std::int64_t(toyData()->rows[r].ids.size()) - 1;
            QCOMPARE(m.tokens, fed);
            QVERIFY(std::isfinite(m.loss) && m.loss > 0);
            QVERIFY(std::isfinite(m.gradNorm) && m.gradNorm > 0);
            QVERIFY(m.tokensPerSecond > 0);
        }
        // Untrained, the model is near uniform over the vocabulary: ln 261 = 5.56.
        QVERIFY2(std::abs(metrics.front().loss - std::log(double(ByteTokenizer::kVocabSize))) < 0.3,
                 qPrintable(QString::number(metrics.front().loss)));
        double last = 0;
        for (std::size_t i = 25; i < 30; ++i) last += metrics[i].loss / 5;
        QVERIFY2(last < 0.6 * metrics.front().loss,
                 qPrintable(QStringLiteral("first %1, last five %2").arg(metrics.front().loss).arg(last)));
    }

    void stepLossIsTheMeanOverTrainedTokens() {
        const train::TokenizedDataset &data = *toyData();
        std::vector<std::size_t> rows = train::BatchOrder(data.rows.size(), 11).batch(0, 4);
        std::int64_t expectedTrained = 0, expectedFed = 0;
        for (std::size_t r : rows) {
            expectedTrained += std::count(data.rows[r].trained.begin() + 1, data.rows[r].trained.end(), 1);
            expectedFed += std::int64_t(data.rows[r].ids.size()) - 1;
        }
        model::Gpt gpt = freshModel64(9);
        double batchMean = 0, rowSum = 0;
        {
            torch::NoGradGuard noGrad;
            std::int64_t fed = 0;
            auto [loss, trained] = train::batchLoss(*gpt, data, rows, kCpu, &fed);
            QCOMPARE(trained, expectedTrained);
            QCOMPARE(fed, expectedFed);
            batchMean = loss.item<double>() / double(trained);
            // Padding adds nothing: the batch's sum is the sum of its rows alone.
            for (std::size_t r : rows) rowSum += train::batchLoss(*gpt, data, {r}, kCpu).first.item<double>();
            QVERIFY2(std::abs(rowSum - loss.item<double>()) < kFloat64Bound * rowSum,
                     qPrintable(QStringLiteral("%1 vs %2").arg(rowSum).arg(loss.item<double>())));
        }
        // The trainer's first step reports that mean, from the same weights.
        std::vector<double> losses = trainLosses(freshModel64(9), toySettings(1));
        QVERIFY2(std::abs(losses.at(0) - batchMean) < kFloat64Bound,
                 qPrintable(QStringLiteral("%1 vs %2").arg(losses.at(0)).arg(batchMean)));
    }

    void accumulationChangesNothing() {
        train::TrainSettings one = toySettings(5), two = toySettings(5);
        two.accumulation = 2;
        train::Trainer a(freshModel64(12).ptr(), toyData(), one, kCpu), b(freshModel64(12).ptr(), toyData(), two, kCpu);
        std::vector<double> la, lb;
        QVERIFY(a.run(nullptr, [&](const train::StepMetrics &m) { la.push_back(m.loss); }));
        QVERIFY(b.run(nullptr, [&](const train::StepMetrics &m) { lb.push_back(m.loss); }));
        QCOMPARE(la.size(), lb.size());
        for (std::size_t i = 0; i < la.size(); ++i)
            QVERIFY2(std::abs(la[i] - lb[i]) < kFloat64Bound,
                     qPrintable(QStringLiteral("step %1: %2 vs %3").arg(i + 1).arg(la[i]).arg(lb[i])));
        double diff = maxDifference(snapshot(a.model()), snapshot(b.model()));
        QVERIFY2(diff < kFloat64Bound, qPrintable(QString::number(diff)));
        QVERIFY(maxDifference(snapshot(a.model()), snapshot(freshModel64(12))) > 1e-3);  // it did train

        train::TrainSettings bad = toySettings(5);
        bad.accumulation = 3;  // 4 rows do not split in 3
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, train::Trainer(freshModel(12).ptr(), toyData(), bad, kCpu));
        bad.accumulation = 0;
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, train::Trainer(freshModel(12).ptr(), toyData(), bad, kCpu));
    }

    void rowsPerForwardChangesNothing() {
        // Splitting a step's rows into several forward passes (sorted by length) is a speed
        // setting: the step's loss and gradient stay the mean over all its trained tokens.
        train::TrainSettings whole = toySettings(5);
        train::Trainer reference(freshModel64(16).ptr(), toyData(), whole, kCpu);
        std::vector<double> expected;
        QVERIFY(reference.run(nullptr, [&](const train::StepMetrics &m) { expected.push_back(m.loss); }));
        for (std::int64_t rows : {1, 3}) {
            train::TrainSettings split = whole;
            split.rowsPerForward = rows;
            train::Trainer trainer(freshModel64(16).ptr(), toyData(), split, kCpu);
            std::vector<double> losses;
            std::int64_t tokens = 0, expectedTokens = 0;
            QVERIFY(trainer.run(nullptr, [&](const train::StepMetrics &m) {
                losses.push_back(m.loss);
                tokens += m.tokens;
            }));
            train::BatchOrder order(toyData()->rows.size(), whole.seed);
            for (std::int64_t step = 0; step < 5; ++step)
                for (std::size_t r : order.batch(step, 4))
                    expectedTokens += std::int64_t(toyData()->rows[r].ids.size()) - 1;
            QCOMPARE(tokens, expectedTokens);
            for (std::size_t i = 0; i < losses.size(); ++i)
                QVERIFY2(std::abs(losses[i] - expected[i]) < kFloat64Bound,
                         qPrintable(QStringLiteral("%1 rows, step %2: %3 vs %4")
                                        .arg(rows)
                                        .arg(i + 1)
                                        .arg(losses[i])
                                        .arg(expected[i])));
            double diff = maxDifference(snapshot(trainer.model()), snapshot(reference.model()));
            QVERIFY2(diff < kFloat64Bound, qPrintable(QString::number(diff)));
        }
    }

    void optimizerSettingsAreTheOnesApplied() {
        // Three steps of the trainer against AdamW written out by hand (Loshchilov & Hutter, as
        // torch and transformers implement it), in float64, with betas, epsilon, weight decay
        // and clipping all away from their defaults: each setting must reach the update.
        train::TrainSettings settings = toySettings(3);
        settings.beta1 = 0.8;
        settings.beta2 = 0.9;
        settings.epsilon = 1e-3;  // large, so that a wrong epsilon moves the weights by far more than 1e-8
        settings.weightDecay = 0.3;
        settings.clipNorm = 0.5;
        train::Trainer trainer(freshModel64(21).ptr(), toyData(), settings, kCpu);
        std::vector<double> rates;
        QVERIFY(trainer.run(nullptr, [&](const train::StepMetrics &m) { rates.push_back(m.learningRate); }));

        model::Gpt gpt = freshModel64(21);
        std::vector<std::pair<std::string, torch::Tensor>> params = gpt->namedWeights();
        std::vector<torch::Tensor> m1, m2;
        for (const auto &[name, p] : params) {
            m1.push_back(torch::zeros_like(p));
            m2.push_back(torch::zeros_like(p));
        }
        train::BatchOrder order(toyData()->rows.size(), settings.seed);
        for (std::int64_t step = 0; step < 3; ++step) {
            gpt->zero_grad();
            std::vector<std::size_t> rows = order.batch(step, std::size_t(settings.batchSize));
            auto [sum, trained] = train::batchLoss(*gpt, *toyData(), rows, kCpu);
            (sum / double(trained)).backward();
            double norm = 0;
            for (const auto &[name, p] : params) norm += p.grad().square().sum().item<double>();
            norm = std::sqrt(norm);
            const double clip = std::min(1.0, settings.clipNorm / (norm + 1e-6));  // torch's clip_grad_norm_
            const double lr = rates[std::size_t(step)], t = double(step + 1);
            torch::NoGradGuard noGrad;
            for (std::size_t i = 0; i < params.size(); ++i) {
                torch::Tensor &p = params[i].second;
                torch::Tensor g = p.grad() * clip;
                if (p.dim() >= 2) p.mul_(1 - lr * settings.weightDecay);  // decoupled, matrices only
                m1[i] = settings.beta1 * m1[i] + (1 - settings.beta1) * g;
                m2[i] = settings.beta2 * m2[i] + (1 - settings.beta2) * g * g;
                torch::Tensor mHat = m1[i] / (1 - std::pow(settings.beta1, t));
                torch::Tensor vHat = m2[i] / (1 - std::pow(settings.beta2, t));
                p.sub_(lr * mHat / (vHat.sqrt() + settings.epsilon));
            }
        }
        double diff = maxDifference(snapshot(trainer.model()), snapshot(gpt));
        QVERIFY2(diff < kFloat64Bound, qPrintable(QString::number(diff)));
        QVERIFY(maxDifference(snapshot(gpt), snapshot(freshModel64(21))) > 1e-3);  // it did train
    }

    void cancelStopsAtAStepBoundary() {
        train::Trainer trainer(freshModel(13).ptr(), toyData(), toySettings(10), kCpu);
        common::CancelToken cancel;
        std::vector<std::int64_t> seen;
        auto cancelAt4 = [&](const train::StepMetrics &m) {
            seen.push_back(m.step);
            if (m.step == 4) cancel.cancel();
        };
        QVERIFY(!trainer.run(&cancel, cancelAt4));
        QCOMPARE(trainer.step(), std::int64_t(4));
        QCOMPARE(seen, (std::vector<std::int64_t>{1, 2, 3, 4}));
        // Still cancelled: nothing more runs.
        QVERIFY(!trainer.run(&cancel, cancelAt4));
        QCOMPARE(trainer.step(), std::int64_t(4));
        QCOMPARE(seen.size(), std::size_t(4));
        // A fresh token carries on from step 5 to the end.
        common::CancelToken fresh;
        QVERIFY(trainer.run(&fresh, [&](const train::StepMetrics &m) { seen.push_back(m.step); }));
        QCOMPARE(trainer.step(), std::int64_t(10));
        QCOMPARE(seen, (std::vector<std::int64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
        // Cancelled during the last step: every step is done, so the run finished.
        train::Trainer last(freshModel(13).ptr(), toyData(), toySettings(3), kCpu);
        common::CancelToken late;
        QVERIFY(last.run(&late, [&](const train::StepMetrics &m) {
            if (m.step == 3) late.cancel();
        }));
        QCOMPARE(last.step(), std::int64_t(3));
    }

    void aDivergedStepStopsBeforeTheWeightsChange() {
        model::Gpt gpt = freshModel(14);
        torch::Tensor before;
        {
            torch::NoGradGuard noGrad;
            auto named = gpt->namedWeights();
            named.front().second.fill_(std::numeric_limits<float>::quiet_NaN());  // every forward sees it
            before = named.back().second.clone();
        }
        train::Trainer trainer(gpt.ptr(), toyData(), toySettings(8), kCpu);
        try {
            trainer.run(nullptr, nullptr);
            QFAIL("a NaN loss was trained on");
        } catch (const std::runtime_error &e) {
            QVERIFY2(QByteArray(e.what()).contains("step 1: the loss is not finite"), e.what());
        }
        QCOMPARE(trainer.step(), std::int64_t(0));
        QVERIFY(torch::equal(trainer.model()->trainableWeights().back().second, before));
    }

    // The spec's requirement: a CPU run interrupted, checkpointed and resumed in a brand-new
    // trainer ends with the loss and weights of the same run left alone.
    void resumedRunEqualsAnUninterruptedOne_data() {
        QTest::addColumn<int>("stopAt");
        QTest::newRow("after 5 of 12") << 5;
        QTest::newRow("before any step") << 0;
        QTest::newRow("after 11 of 12") << 11;
    }

    void resumedRunEqualsAnUninterruptedOne() {
        QFETCH(int, stopAt);
        const std::int64_t steps = 12;
        train::TrainSettings settings = toySettings(steps);
        settings.accumulation = 2;

        train::Trainer straight(freshModel(7).ptr(), toyData(), settings, kCpu);
        std::vector<double> straightLosses;
        QVERIFY(straight.run(nullptr, [&](const train::StepMetrics &m) { straightLosses.push_back(m.loss); }));
        QCOMPARE(straightLosses.size(), std::size_t(steps));

        QTemporaryDir dir;
        const std::string checkpoint = dir.filePath("run-ckpt").toStdString();
        Weights atCheckpoint;
        {
            train::Trainer first(freshModel(7).ptr(), toyData(), settings, kCpu);
            common::CancelToken cancel;
            if (stopAt == 0) cancel.cancel();
            bool finished = first.run(&cancel, [&](const train::StepMetrics &m) {
                QCOMPARE(m.loss, straightLosses[std::size_t(m.step - 1)]);  // the same run so far
                if (m.step == stopAt) cancel.cancel();
            });
            QVERIFY(!finished);
            QCOMPARE(first.step(), std::int64_t(stopAt));
            first.saveCheckpoint(checkpoint, {{"note", "interrupted"}});
            atCheckpoint = snapshot(first.model());
        }                                             // the first trainer, its model and its optimiser are gone
        QCOMPARE(test::filesIn(dir), QStringList());  // no .partial or .old file beside it
        QCOMPARE(QDir(dir.path()).entryList(QDir::Dirs | QDir::NoDotAndDotDot), QStringList{"run-ckpt"});
        QStringList files = QDir(QString::fromStdString(checkpoint)).entryList(QDir::Files, QDir::Name);
        QCOMPARE(files, (QStringList{"model.safetensors", "optimizer.safetensors", "trainer.json"}));
        nlohmann::json meta = nlohmann::json::parse(test::readFile(checkpoint + "/trainer.json").toStdString());
        QCOMPARE(meta["step"].get<std::int64_t>(), std::int64_t(stopAt));
        QCOMPARE(meta["data_order"]["next_step"].get<std::int64_t>(), std::int64_t(stopAt));
        QVERIFY(meta["settings"] == settings.toJson());

        // A different initial model: everything must come from the checkpoint.
        train::Trainer resumed(freshModel(999).ptr(), toyData(), settings, kCpu);
        nlohmann::json extra = resumed.loadCheckpoint(checkpoint);
        QVERIFY(extra == nlohmann::json({{"note", "interrupted"}}));
        QCOMPARE(resumed.step(), std::int64_t(stopAt));
        QCOMPARE(maxDifference(snapshot(resumed.model()), atCheckpoint), 0.0);
        std::vector<double> resumedLosses;
        std::vector<std::int64_t> resumedSteps;
        QVERIFY(resumed.run(nullptr, [&](const train::StepMetrics &m) {
            resumedLosses.push_back(m.loss);
            resumedSteps.push_back(m.step);
        }));
        QCOMPARE(resumed.step(), steps);
        QCOMPARE(resumedLosses.size(), std::size_t(steps - stopAt));
        QCOMPARE(resumedSteps.front(), std::int64_t(stopAt + 1));
        // Bit-identical: the checkpoint holds the float32 weights and moments exactly, and this
        // process makes the same kernel choices for both runs.
        for (std::size_t i = 0; i < resumedLosses.size(); ++i) {
            double expected = straightLosses[std::size_t(stopAt) + i];
            QVERIFY2(resumedLosses[i] == expected,
                     qPrintable(QStringLiteral("step %1: resumed %2, straight %3")
                                    .arg(stopAt + 1 + int(i))
                                    .arg(resumedLosses[i], 0, 'g', 10)
                                    .arg(expected, 0, 'g', 10)));
        }
        QCOMPARE(resumedLosses.back(), straightLosses.back());  // the final loss
        double diff = maxDifference(snapshot(resumed.model()), snapshot(straight.model()));
        QVERIFY2(diff == 0, qPrintable(QString::number(diff)));

        // Checkpointing again replaces the folder whole.
        resumed.saveCheckpoint(checkpoint, {});
        nlohmann::json again = nlohmann::json::parse(test::readFile(checkpoint + "/trainer.json").toStdString());
        QCOMPARE(again["step"].get<std::int64_t>(), steps);
        QCOMPARE(QDir(dir.path()).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot),
                 QStringList{"run-ckpt"});
    }

    void resumeNeedsTheMoments() {
        // A checkpoint whose optimizer file lost its moments must not resume as if nothing
        // were wrong: Adam would restart from zero moments and the run end elsewhere (which
        // also shows that the resume test above would see moments lost or mis-restored).
        train::TrainSettings settings = toySettings(8);
        train::Trainer straight(freshModel(7).ptr(), toyData(), settings, kCpu);
        std::vector<double> straightLosses;
        QVERIFY(straight.run(nullptr, [&](const train::StepMetrics &m) { straightLosses.push_back(m.loss); }));

        QTemporaryDir dir;
        const std::string checkpoint = dir.filePath("ckpt").toStdString();
        train::Trainer first(freshModel(7).ptr(), toyData(), settings, kCpu);
        common::CancelToken cancel;
        QVERIFY(!first.run(&cancel, [&](const train::StepMetrics &m) {
            if (m.step == 4) cancel.cancel();
        }));
        first.saveCheckpoint(checkpoint, {});
        model::writeSafetensors(checkpoint + "/optimizer.safetensors", {});  // valid, but empty

        train::Trainer resumed(freshModel(7).ptr(), toyData(), settings, kCpu);
        std::string file;
        QString error = inputErrorOf([&] { resumed.loadCheckpoint(checkpoint); }, &file);
        const bool refused = !error.startsWith(QLatin1String("(")) && file == checkpoint + "/optimizer.safetensors";
        QVERIFY2(refused, qPrintable(error));
        if (!refused) {
            QCOMPARE(resumed.step(), std::int64_t(4));
            std::vector<double> losses;
            QVERIFY(resumed.run(nullptr, [&](const train::StepMetrics &m) { losses.push_back(m.loss); }));
            QCOMPARE(losses.size(), std::size_t(4));
            QVERIFY(std::abs(losses[0] - straightLosses[4]) < 1e-6);  // the same weights before step 5...
            double diff = maxDifference(snapshot(resumed.model()), snapshot(straight.model()));
            QVERIFY2(diff > 1e-4, qPrintable(QString::number(diff)));  // ...but not after
            QVERIFY(std::abs(losses.back() - straightLosses.back()) > 1e-6);
        }
    }

    void checkpointsAreSwappedInWhole() {
        QTemporaryDir dir;
        const std::string checkpoint = dir.filePath("ckpt").toStdString();
        QVERIFY(!model::checkpointExists(checkpoint));
        train::Trainer trainer(freshModel(8).ptr(), toyData(), toySettings(4), kCpu);
        common::CancelToken cancel;
        QVERIFY(!trainer.run(&cancel, [&](const train::StepMetrics &m) {
            if (m.step == 2) cancel.cancel();
        }));
        trainer.saveCheckpoint(checkpoint, {});
        QVERIFY(trainer.run(nullptr, nullptr));
        trainer.saveCheckpoint(checkpoint, {});  // replaces the step-2 checkpoint
        QVERIFY(model::checkpointExists(checkpoint));
        QCOMPARE(QDir(dir.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot), QStringList{"ckpt"});
        train::Trainer resumed(freshModel(9).ptr(), toyData(), toySettings(4), kCpu);
        resumed.loadCheckpoint(checkpoint);
        QCOMPARE(resumed.step(), std::int64_t(4));

        // A crash between the two renames of the fallback swap leaves only ckpt.old: the
        // next resume finds it.
        QVERIFY(QDir().rename(QString::fromStdString(checkpoint), QString::fromStdString(checkpoint + ".old")));
        QVERIFY(model::checkpointExists(checkpoint));
        train::Trainer recovered(freshModel(9).ptr(), toyData(), toySettings(4), kCpu);
        recovered.loadCheckpoint(checkpoint);
        QCOMPARE(recovered.step(), std::int64_t(4));
    }

    void checkpointMustFitTheTrainer() {
        QTemporaryDir dir;
        const std::string checkpoint = dir.filePath("ckpt").toStdString();
        train::TrainSettings settings = toySettings(6);
        train::Trainer first(freshModel(14).ptr(), toyData(), settings, kCpu);
        common::CancelToken cancel;
        first.run(&cancel, [&](const train::StepMetrics &m) {
            if (m.step == 2) cancel.cancel();
        });
        first.saveCheckpoint(checkpoint, {});

        std::string file;
        // Other settings: refused, naming trainer.json.
        train::TrainSettings other = settings;
        other.schedule.peak = 5e-3;
        train::Trainer otherSettings(freshModel(14).ptr(), toyData(), other, kCpu);
        QString error = inputErrorOf([&] { otherSettings.loadCheckpoint(checkpoint); }, &file);
        QVERIFY2(error.contains(QLatin1String("settings")), qPrintable(error));
        QCOMPARE(file, checkpoint + "/trainer.json");
        QCOMPARE(otherSettings.step(), std::int64_t(0));
        // ...and the refused checkpoint's weights were not copied in.
        model::Gpt untouched = freshModel(14);
        for (const auto &[name, p] : otherSettings.model()->trainableWeights()) {
            bool same = false;
            for (const auto &[otherName, q] : untouched->namedWeights())
                if (otherName == name) same = torch::equal(p, q);
            QVERIFY2(same, name.c_str());
        }

        // Another model shape: refused, naming the weights file.
        model::GptConfig bigger = tinyConfig();
        bigger.dModel = 48;
        train::Trainer otherModel(freshModel(14, bigger).ptr(), toyData(), settings, kCpu);
        error = inputErrorOf([&] { otherModel.loadCheckpoint(checkpoint); }, &file);
        QVERIFY2(!error.startsWith(QLatin1String("(")), qPrintable(error));
        QCOMPARE(file, checkpoint + "/model.safetensors");

        // A missing folder, a trainer.json without a step, a truncated optimizer file.
        train::Trainer fresh(freshModel(14).ptr(), toyData(), settings, kCpu);
        error = inputErrorOf([&] { fresh.loadCheckpoint(dir.filePath("nowhere").toStdString()); }, &file);
        QCOMPARE(file, dir.filePath("nowhere").toStdString() + "/trainer.json");

        const std::string copy = dir.filePath("copy").toStdString();
        std::filesystem::copy(checkpoint, copy);
        test::writeFile(dir, "copy/trainer.json", QByteArray("{\"steps\": 2}"));
        error = inputErrorOf([&] { fresh.loadCheckpoint(copy); }, &file);
        QVERIFY2(error.contains(QLatin1String("step")), qPrintable(error));
        QCOMPARE(file, copy + "/trainer.json");
        test::writeFile(dir, "copy/trainer.json", QByteArray("{\"step\": 2}"));  // no adam_steps
        error = inputErrorOf([&] { fresh.loadCheckpoint(copy); }, &file);
        QVERIFY2(error.contains(QLatin1String("adam_steps")), qPrintable(error));
        QCOMPARE(file, copy + "/trainer.json");
        test::writeFile(dir, "copy/trainer.json", QByteArray("{\"step\": "));
        error = inputErrorOf([&] { fresh.loadCheckpoint(copy); }, &file);
        QCOMPARE(file, copy + "/trainer.json");

        std::filesystem::remove_all(copy);
        std::filesystem::copy(checkpoint, copy);
        QByteArray optimizer = test::readFile(copy + "/optimizer.safetensors");
        test::writeFile(dir, "copy/optimizer.safetensors", optimizer.left(optimizer.size() / 2));
        error = inputErrorOf([&] { fresh.loadCheckpoint(copy); }, &file);
        QVERIFY2(!error.startsWith(QLatin1String("(")), qPrintable(error));
        QCOMPARE(file, copy + "/optimizer.safetensors");

        // The checkpoint itself still loads and resumes.
        train::Trainer good(freshModel(99).ptr(), toyData(), settings, kCpu);
        good.loadCheckpoint(checkpoint);
        QCOMPARE(good.step(), std::int64_t(2));
        QVERIFY(good.run(nullptr, nullptr));
    }

    void optimizerMomentsOfTheWrongShapeAreRefused() {
        QTemporaryDir dir;
        const std::string checkpoint = dir.filePath("ckpt").toStdString();
        train::TrainSettings settings = toySettings(4);
        train::Trainer first(freshModel(15).ptr(), toyData(), settings, kCpu);
        common::CancelToken cancel;
        first.run(&cancel, [&](const train::StepMetrics &m) {
            if (m.step == 2) cancel.cancel();
        });
        first.saveCheckpoint(checkpoint, {});
        // Rewrite optimizer.safetensors with one moment of the wrong shape.
        model::SafetensorsFile opt = model::SafetensorsFile::open(checkpoint + "/optimizer.safetensors");
        Weights moments;
        for (const model::TensorInfo &info : opt.tensors()) {
            torch::Tensor t = torch::empty(info.shape, torch::kFloat);
            auto bytes = opt.bytes(info);
            std::memcpy(t.data_ptr(), bytes.data(), bytes.size());
            if (info.name == "exp_avg.blocks.0.fc.weight") t = torch::zeros({3, 5});
            moments.emplace_back(info.name, t);
        }
        QCOMPARE(moments.size(), 2 * first.model()->trainableWeights().size());
        std::vector<model::TensorToWrite> out;
        for (const auto &[name, t] : moments)
            out.push_back({name, model::DType::F32, std::vector<std::int64_t>(t.sizes().begin(), t.sizes().end()),
                           std::span<const std::uint8_t>(static_cast<const std::uint8_t *>(t.data_ptr()), t.nbytes())});
        model::writeSafetensors(checkpoint + "/optimizer.safetensors", out);

        train::Trainer resumed(freshModel(15).ptr(), toyData(), settings, kCpu);
        std::string file;
        QString error;
        try {
            error = inputErrorOf([&] { resumed.loadCheckpoint(checkpoint); }, &file);
            if (error == QLatin1String("(no error)")) resumed.run(nullptr, nullptr);
        } catch (const std::exception &e) {
            error = QStringLiteral("(run threw) ") + QString::fromStdString(e.what()).left(120);
        }
        QVERIFY2(!error.startsWith(QLatin1String("(")), qPrintable(error.left(200)));
        QCOMPARE(file, checkpoint + "/optimizer.safetensors");
        QVERIFY2(error.contains(QLatin1String("exp_avg.blocks.0.fc.weight")), qPrintable(error));
    }

    // ---- weight files ----------------------------------------------------------------------

    void weightsRoundTrip() {
        torch::NoGradGuard noGrad;
        QTemporaryDir dir;
        const std::string path = dir.filePath("model.safetensors").toStdString();
        model::GptConfig config{ByteTokenizer::kVocabSize, 32, 2, 4, 48};
        model::Gpt original = freshModel(21, config);
        model::saveWeights(path, original);
        QCOMPARE(test::filesIn(dir), QStringList{"model.safetensors"});
        model::Gpt loaded = model::loadWeights(path);
        QCOMPARE(loaded->config(), config);
        QCOMPARE(maxDifference(snapshot(loaded), snapshot(original)), 0.0);
        torch::manual_seed(22);
        torch::Tensor ids = torch::randint(0, ByteTokenizer::kVocabSize, {3, 48}, torch::kLong);
        original->eval();
        loaded->eval();
        QVERIFY(torch::equal(original->forward(ids), loaded->forward(ids)));
        // Into an existing model of the same shape.
        model::Gpt into = freshModel(23, config);
        QVERIFY(!torch::equal(into->forward(ids), original->forward(ids)));
        model::loadWeightsInto(path, into);
        into->eval();
        QVERIFY(torch::equal(into->forward(ids), original->forward(ids)));
        // The metadata says what the file is.
        model::SafetensorsFile file = model::SafetensorsFile::open(path);
        QCOMPARE(file.metadata().at("format"), std::string("inoculab-gpt"));
        QVERIFY(nlohmann::json::parse(file.metadata().at("config")) == model::toJson(config));
        // Into a model of another shape: refused, naming the file.
        model::Gpt other = freshModel(23);
        std::string named;
        QString error = inputErrorOf([&] { model::loadWeightsInto(path, other); }, &named);
        QVERIFY2(error.contains(QLatin1String("differs")), qPrintable(error));
        QCOMPARE(named, path);
    }

    void truncatedWeightFilesAreRefused() {
        QTemporaryDir dir;
        const std::string good = dir.filePath("good.safetensors").toStdString();
        model::saveWeights(good, freshModel(24));
        QByteArray bytes = test::readFile(good);
        std::uint64_t headerLength = 0;
        for (int i = 7; i >= 0; --i) headerLength = (headerLength << 8) | std::uint8_t(bytes[i]);
        const qsizetype size = bytes.size();
        for (qsizetype keep :
             {qsizetype(0), qsizetype(3), qsizetype(8), qsizetype(8 + headerLength / 2), qsizetype(8 + headerLength),
              qsizetype(8 + headerLength + 100), size / 2, size - 4, size - 1}) {
            std::string path = test::writeFile(dir, QStringLiteral("cut-%1.safetensors").arg(keep), bytes.left(keep));
            QString error = loadError(path);
            QVERIFY2(!error.startsWith(QLatin1String("(")),
                     qPrintable(QStringLiteral("%1 bytes: %2").arg(keep).arg(error)));
        }
        QString error = loadError(dir.filePath("absent.safetensors").toStdString());
        QVERIFY2(!error.startsWith(QLatin1String("(")), qPrintable(error));
        // Extra bytes after the data are no better.
        QVERIFY(!loadError(test::writeFile(dir, "long.safetensors", bytes + QByteArray(8, char(0))))
                     .startsWith(QLatin1String("(")));
    }

    void flippedHeaderBytesAreRefused() {
        // Header bytes flipped one at a time (the length, the JSON, the metadata with the
        // config, the padding): never a crash, never a silently different model.
        QTemporaryDir dir;
        const std::string good = dir.filePath("good.safetensors").toStdString();
        model::saveWeights(good, freshModel(25));
        QByteArray bytes = test::readFile(good);
        std::uint64_t headerLength = 0;
        for (int i = 7; i >= 0; --i) headerLength = (headerLength << 8) | std::uint8_t(bytes[i]);
        QVERIFY(headerLength > 100 && headerLength < 10000);
        const std::string path = dir.filePath("flipped.safetensors").toStdString();
        int refused = 0;
        for (qsizetype at = 0; at < qsizetype(8 + headerLength); ++at) {
            for (int mask : {0x01, 0x80}) {
                // The length: both bits of every byte. The header: the low bit of every other
                // byte and the high bit of every seventh, a sample of all its parts (both bits of
                // all ~2400 bytes took several seconds on 2 busy cores).
                if (at >= 8 && (mask == 0x01 ? at % 2 != 0 : at % 7 != 3)) continue;
                QByteArray flipped = bytes;
                flipped[at] = char(flipped[at] ^ mask);
                {
                    QFile out(QString::fromStdString(path));
                    QVERIFY(out.open(QIODevice::WriteOnly | QIODevice::Truncate));
                    out.write(flipped);
                }
                QString error = loadError(path);
                QVERIFY2(!error.startsWith(QLatin1String("(")),
                         qPrintable(QStringLiteral("byte %1 ^ %2: %3").arg(at).arg(mask).arg(error)));
                ++refused;
            }
        }
        QVERIFY(refused > int(headerLength / 2));
    }

    void mismatchedWeightFilesAreRefused() {
        QTemporaryDir dir;
        model::GptConfig config = tinyConfig();
        Weights weights = snapshot(freshModel(26));
        auto check = [&](const char *name, const Weights &named, const model::GptConfig &cfg, const char *expected,
                         bool withMetadata = true) {
            std::string path = dir.filePath(QLatin1String(name) + QLatin1String(".safetensors")).toStdString();
            writeModelFile(path, named, cfg, withMetadata);
            QString error = loadError(path);
            QVERIFY2(!error.startsWith(QLatin1String("(")), qPrintable(QLatin1String(name) + ": " + error));
            QVERIFY2(error.contains(QLatin1String(expected)), qPrintable(QLatin1String(name) + ": " + error));
            // loadWeightsInto refuses it too, and leaves nothing half-written in the file.
            model::Gpt target = freshModel(27);
            std::string file;
            QString into = inputErrorOf([&] { model::loadWeightsInto(path, target); }, &file);
            QVERIFY2(!into.startsWith(QLatin1String("(")), qPrintable(into));
            QCOMPARE(file, path);
        };
        // The sanity check of the helper: the unchanged weights load.
        writeModelFile(dir.filePath("same.safetensors").toStdString(), weights, config);
        QCOMPARE(maxDifference(snapshot(model::loadWeights(dir.filePath("same.safetensors").toStdString())), weights),
                 0.0);

        Weights wrongShape = weights;
        for (auto &[name, t] : wrongShape)
            if (name == "blocks.0.fc.weight") t = torch::zeros({128, 33});
        check("wrong-shape", wrongShape, config, "blocks.0.fc.weight: shape");
        Weights transposed = weights;
        for (auto &[name, t] : transposed)
            if (name == "blocks.1.fc.weight") t = t.t().contiguous();  // same elements, other shape
        check("transposed", transposed, config, "blocks.1.fc.weight: shape");
        check("missing", without(weights, "ln_final.weight"), config, "tensor ln_final.weight is missing");
        Weights extra = weights;
        extra.emplace_back("head.weight", torch::zeros({261, 32}));
        check("extra", extra, config, "unexpected tensor head.weight");
        Weights half = weights;
        for (auto &[name, t] : half)
            if (name == "blocks.0.ln1.bias") t = t.to(torch::kHalf);
        check("f16", half, config, "expected F32");
        check("no-metadata", weights, config, "not an Inoculab toy model", false);
        model::GptConfig deeper = config;
        deeper.layers = 3;  // the metadata promises a layer the tensors lack
        check("deeper", weights, deeper, "blocks.2.");
        model::GptConfig longer = config;
        longer.context = 128;
        check("longer", weights, longer, "positions.weight: shape");

        // Metadata that is not a config.
        std::string path = dir.filePath("bad-config.safetensors").toStdString();
        std::vector<model::TensorToWrite> none;
        model::writeSafetensors(path, none, {{"format", "inoculab-gpt"}, {"config", "{\"d_model\": 32"}});
        QString error = loadError(path);
        QVERIFY2(error.contains(QLatin1String("metadata config")), qPrintable(error));
        model::writeSafetensors(
            path, none,
            {{"format", "inoculab-gpt"},
             {"config", "{\"vocab_size\":261,\"d_model\":30,\"layers\":1,\"heads\":4,\"context\":8}"}});
        error = loadError(path);
        QVERIFY2(error.contains(QLatin1String("metadata config")) && error.contains(QLatin1String("heads")),
                 qPrintable(error));
    }

    // ---- sampling --------------------------------------------------------------------------

    void drawTokenRules() {
        const float logits[] = {0.0f, float(std::log(3.0)), -1e9f, 5.0f};
        // Greedy: the largest, skipping the forbidden token.
        QCOMPARE(eval::drawToken(logits, 4, 0.0, 1.0, 0.5, -1), 3);
        QCOMPARE(eval::drawToken(logits, 4, 0.0, 1.0, 0.5, 3), 1);
        // Temperature 1, token 3 forbidden: p = (0.25, 0.75, ~0).
        QCOMPARE(eval::drawToken(logits, 4, 1.0, 1.0, 0.0, 3), 0);
        QCOMPARE(eval::drawToken(logits, 4, 1.0, 1.0, 0.24, 3), 0);
        QCOMPARE(eval::drawToken(logits, 4, 1.0, 1.0, 0.26, 3), 1);
        QCOMPARE(eval::drawToken(logits, 4, 1.0, 1.0, 0.999999, 3), 1);
        // Temperature 2 flattens: p0 = 1 / (1 + sqrt 3) = 0.366.
        QCOMPARE(eval::drawToken(logits, 4, 2.0, 1.0, 0.35, 3), 0);
        QCOMPARE(eval::drawToken(logits, 4, 2.0, 1.0, 0.38, 3), 1);
        // Top-p 0.7 keeps only the 0.75 token; any draw gives it.
        for (double u : {0.0, 0.1, 0.5, 0.99}) QCOMPARE(eval::drawToken(logits, 4, 1.0, 0.7, u, 3), 1);
        // Top-p 0.8 keeps both: the draw is over the renormalised pair (0.75 first).
        QCOMPARE(eval::drawToken(logits, 4, 1.0, 0.8, 0.7, 3), 1);
        QCOMPARE(eval::drawToken(logits, 4, 1.0, 0.8, 0.8, 3), 0);
        // The forbidden token is never drawn, however likely.
        for (double u = 0; u < 1; u += 0.01) QVERIFY(eval::drawToken(logits, 4, 1.0, 1.0, u, 3) != 3);
    }

    void greedySamplingFollowsTheModel() {
        // Greedy answers equal a loop that runs forward() on the whole sequence and takes the
        // argmax (never the pad token) until the end token: positions, cache and padding all
        // have to be right for this to hold, for every prompt of a left-padded batch.
        model::Gpt gpt = freshModel(37);
        auto prompts = toyPrompts();
        eval::SamplingSettings s;
        s.temperature = 0;
        s.maxNewTokens = 12;  // within every prompt's room (see aLongPromptDoesNotShortenTheOthers)
        for (bool cache : {true, false}) {
            s.useKvCache = cache;
            auto answers = eval::sampleAnswers(*gpt, prompts, 1, s, kCpu);
            torch::NoGradGuard noGrad;
            for (std::size_t p = 0; p < prompts.size(); ++p) {
                std::vector<std::int32_t> seq = prompts[p], expected;
                bool finished = false;
                for (int t = 0; t < 12; ++t) {
                    torch::Tensor last = gpt->forward(idsTensor(seq))[0][std::int64_t(seq.size()) - 1];
                    last[ByteTokenizer::kPad] = -std::numeric_limits<float>::infinity();
                    auto token = static_cast<std::int32_t>(last.argmax().item<std::int64_t>());
                    if (token == ByteTokenizer::kEnd) {
                        finished = true;
                        break;
                    }
                    expected.push_back(token);
                    seq.push_back(token);
                }
                auto show = [](const std::vector<std::int32_t> &v) {
                    QStringList out;
                    for (std::int32_t t : v) out << QString::number(t);
                    return out.join(QLatin1Char(32));
                };
                QVERIFY2(answers[p].tokens == expected,
                         qPrintable(QStringLiteral("prompt %1, cache %2: sampled %3, expected %4")
                                        .arg(p)
                                        .arg(cache)
                                        .arg(show(answers[p].tokens), show(expected))));
                QCOMPARE(answers[p].finished, finished);
            }
        }
    }

    void samplingIsSeeded() {
        model::Gpt gpt = freshModel(31);
        eval::SamplingSettings s;
        s.maxNewTokens = 10;
        s.seed = 5;
        auto prompts = toyPrompts();
        auto first = eval::sampleAnswers(*gpt, prompts, 2, s, kCpu);
        QCOMPARE(first.size(), prompts.size() * 2);
        QCOMPARE(tokensOf(eval::sampleAnswers(*gpt, prompts, 2, s, kCpu)), tokensOf(first));
        s.seed = 6;
        auto other = eval::sampleAnswers(*gpt, prompts, 2, s, kCpu);
        for (std::size_t i = 0; i < first.size(); ++i) QVERIFY(other[i].tokens != first[i].tokens);
        for (std::size_t p = 0; p < prompts.size(); ++p) QVERIFY(first[2 * p].tokens != first[2 * p + 1].tokens);
        for (const eval::SampledAnswer &a : first) {
            QVERIFY(a.tokens.size() <= 10);
            QVERIFY(a.finished || a.tokens.size() == 10);
            for (std::int32_t t : a.tokens) QVERIFY(t != ByteTokenizer::kPad && t != ByteTokenizer::kEnd && t >= 0);
        }
        // Sampling does not touch torch's global generator (training order is unaffected).
        torch::manual_seed(77);
        torch::Tensor before = torch::rand({4});
        torch::manual_seed(77);
        eval::sampleAnswers(*gpt, prompts, 1, s, kCpu);
        QVERIFY(torch::equal(torch::rand({4}), before));
    }

    void cacheAndNoCacheAgree_data() {
        QTest::addColumn<double>("temperature");
        QTest::addColumn<double>("topP");
        QTest::newRow("greedy") << 0.0 << 1.0;
        QTest::newRow("temperature 1") << 1.0 << 1.0;
        QTest::newRow("temperature 0.7, top-p 0.9") << 0.7 << 0.9;
    }

    void cacheAndNoCacheAgree() {
        QFETCH(double, temperature);
        QFETCH(double, topP);
        model::Gpt gpt = freshModel(32);
        eval::SamplingSettings s;
        s.maxNewTokens = 12;
        s.seed = 8;
        s.temperature = temperature;
        s.topP = topP;
        auto cached = eval::sampleAnswers(*gpt, toyPrompts(), 2, s, kCpu);
        s.useKvCache = false;
        auto recomputed = eval::sampleAnswers(*gpt, toyPrompts(), 2, s, kCpu);
        QCOMPARE(tokensOf(recomputed), tokensOf(cached));
        std::size_t total = 0;
        for (const auto &a : cached) total += a.tokens.size();
        QVERIFY(total > 0);
    }

    void batchedEqualsAlone() {
        model::Gpt gpt = freshModel(33);
        auto prompts = toyPrompts();
        eval::SamplingSettings s;
        s.maxNewTokens = 12;
        s.seed = 9;
        // The same prompt list in batches of 64, 3 and 1: each (prompt, sample) has its own stream.
        auto together = eval::sampleAnswers(*gpt, prompts, 2, s, kCpu);
        for (std::int64_t batch : {3, 1}) {
            s.batchSize = batch;
            QCOMPARE(tokensOf(eval::sampleAnswers(*gpt, prompts, 2, s, kCpu)), tokensOf(together));
        }
        // Greedy: each prompt sampled alone gives what it gave left-padded among the others.
        s.temperature = 0;
        s.batchSize = 64;
        auto greedy = eval::sampleAnswers(*gpt, prompts, 1, s, kCpu);
        for (std::size_t p = 0; p < prompts.size(); ++p) {
            auto alone = eval::sampleAnswers(*gpt, {prompts[p]}, 1, s, kCpu);
            QCOMPARE(alone.at(0).tokens, greedy[p].tokens);
            QCOMPARE(alone.at(0).finished, greedy[p].finished);
        }
    }

    void aLongPromptDoesNotShortenTheOthers() {
        // sampler.h: "an answer does not depend on which batch it fell in". A short prompt has
        // room for 64 - 24 = 40 tokens; batched with a 60-token prompt it must keep that room.
        model::Gpt gpt = freshModel(37);  // its greedy answers never end (see greedySamplingFollowsTheModel)
        std::vector<std::int32_t> shortPrompt = toyPrompts()[0];
        std::vector<std::int32_t> longPrompt = ByteTokenizer::encodePrompt(qa(std::string(57, 'x'), ""));
        QCOMPARE(shortPrompt.size(), std::size_t(24));
        eval::SamplingSettings s;
        s.temperature = 0;
        s.maxNewTokens = 30;
        auto alone = eval::sampleAnswers(*gpt, {shortPrompt}, 1, s, kCpu);
        QVERIFY(!alone[0].finished);
        QCOMPARE(alone[0].tokens.size(), std::size_t(30));
        auto batched = eval::sampleAnswers(*gpt, {shortPrompt, longPrompt}, 1, s, kCpu);
        QCOMPARE(batched[0].tokens.size(), alone[0].tokens.size());
        QCOMPARE(batched[0].tokens, alone[0].tokens);
    }

    void samplingStaysInsideTheContext() {
        model::Gpt gpt = freshModel(34);
        std::vector<std::int32_t> longPrompt = ByteTokenizer::encodePrompt(qa(std::string(57, 'x'), ""));
        QCOMPARE(longPrompt.size(), std::size_t(60));
        eval::SamplingSettings s;
        s.maxNewTokens = 50;
        auto answers = eval::sampleAnswers(*gpt, {longPrompt, toyPrompts()[3]}, 1, s, kCpu);
        QVERIFY(answers[0].tokens.size() <= 64 - 60 + 1);
        common::CancelToken cancel;
        cancel.cancel();
        QVERIFY_THROWS_EXCEPTION(common::Cancelled, eval::sampleAnswers(*gpt, toyPrompts(), 1, s, kCpu, &cancel));
    }

    void aTrainedModelAnswersWhatItLearned() {
        train::TrainSettings settings = toySettings(200);
        settings.batchSize = 8;
        settings.schedule.peak = 1e-2;
        settings.weightDecay = 0;
        train::Trainer trainer(freshModel(35).ptr(), toyData(), settings, kCpu);
        QVERIFY(trainer.run(nullptr, nullptr));
        model::CausalLm &gpt = trainer.model();
        eval::SamplingSettings s;
        s.temperature = 0;
        s.maxNewTokens = 30;
        std::vector<data::Conversation> chats = toyChats();
        std::vector<std::vector<std::int32_t>> prompts;
        for (const auto &c : chats) prompts.push_back(ByteTokenizer::encodePrompt(c));
        auto answers = eval::sampleAnswers(*gpt, prompts, 1, s, kCpu);
        int right = 0;
        for (std::size_t i = 0; i < chats.size(); ++i)
            right +=
                answers[i].finished && ByteTokenizer::decode(answers[i].tokens) == chats[i].messages.back().content;
        QString all;
        for (const auto &a : answers)
            all += QString::fromStdString(ByteTokenizer::decode(a.tokens)) + QLatin1String(" | ");
        QVERIFY2(right >= 6, qPrintable(QStringLiteral("%1 of 8: %2").arg(right).arg(all)));
        // And it finds its own answers likelier than someone else's.
        std::vector<data::Conversation> swapped = {qa("What colour is grass?", "The sky is blue."),
                                                   qa("What colour is grass?", "Grass is green.")};
        auto logprobs = eval::answerLogprobs(*gpt, swapped, kCpu);
        QVERIFY(logprobs[1].total > logprobs[0].total + 5);
    }

    // ---- answer log-probabilities ----------------------------------------------------------

    void answerLogprobsMatchAHandComputation() {
        torch::NoGradGuard noGrad;
        model::Gpt gpt = freshModel64(36);
        std::vector<data::Conversation> chats = {
            qa("hi", "ok"), qa("What colour is the sky?", "The sky is blue.", "Be brief."), qa("x", "")};
        auto result = eval::answerLogprobs(*gpt, chats, kCpu);
        QCOMPARE(result.size(), chats.size());
        const std::int64_t expectedTokens[] = {3, 17, 1};
        for (std::size_t c = 0; c < chats.size(); ++c) {
            model::TokenizedChat t = ByteTokenizer::encode(data::renderChat(chats[c]));
            std::vector<std::int32_t> inputs(t.ids.begin(), t.ids.end() - 1);
            torch::Tensor logp = torch::log_softmax(gpt->forward(idsTensor(inputs))[0], -1);  // [T, V]
            double total = 0;
            std::int64_t tokens = 0;
            for (std::size_t j = 0; j + 1 < t.ids.size(); ++j) {
                if (!t.trained[j + 1]) continue;
                total += logp[std::int64_t(j)][t.ids[j + 1]].item<double>();
                ++tokens;
            }
            QCOMPARE(tokens, expectedTokens[c]);
            QCOMPARE(result[c].tokens, tokens);
            QVERIFY2(std::abs(result[c].total - total) < kFloat64Bound,
                     qPrintable(QStringLiteral("chat %1: %2 vs %3").arg(c).arg(result[c].total).arg(total)));
            QVERIFY(result[c].total < 0);
            QVERIFY(std::abs(result[c].perToken() - total / double(tokens)) < kFloat64Bound);
        }
        // Batching (right padding) changes nothing.
        auto oneByOne = eval::answerLogprobs(*gpt, chats, kCpu, 1);
        for (std::size_t c = 0; c < chats.size(); ++c)
            QVERIFY(std::abs(oneByOne[c].total - result[c].total) < kFloat64Bound);
        // A row with nothing to score is an error, not a silent zero.
        data::Conversation question;
        question.messages.push_back(msg(data::Role::User, "no answer"));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, eval::answerLogprobs(*gpt, {chats[0], question}, kCpu));
    }
};

QTEST_GUILESS_MAIN(TestEngineTraining)
#include "test_engine_training.moc"
