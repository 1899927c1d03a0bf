// The torch-free half of the training engine: the byte tokenizer (a rendered chat becomes ids
// and a loss mask on the assistant's tokens only, end token included; UTF-8 round-trips), the
// learning-rate schedule (warmup, then constant / linear / cosine down to the final ratio), the
// token batches (truncation and dropping counted; the data order is a function of the seed and
// the step alone, each epoch a permutation), the model config (parameter count, JSON) and the
// worker job file (round trip; every error names the file and the field).
#include "test_support.h"
#include "input_error_of.h"

#include "common/input_error.h"
#include "data/chat_render.h"
#include "experiment/worker_job.h"
#include "model/byte_tokenizer.h"
#include "model/gpt_config.h"
#include "train/lr_schedule.h"
#include "train/token_batches.h"

#include <nlohmann/json.hpp>

#include <QTemporaryDir>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <numeric>
#include <set>

using inoculab::test::inputErrorOf;
using namespace inoculab;
using model::ByteTokenizer;
using test::jsonText;

namespace {

data::Message msg(data::Role role, std::string content) {
    data::Message m;
    m.role = role;
    m.content = std::move(content);
    return m;
}

data::Conversation chat(std::vector<data::Message> messages) {
    data::Conversation c;
    c.messages = std::move(messages);
    return c;
}

data::Conversation qa(const std::string &question, const std::string &answer) {
    return chat({msg(data::Role::User, question), msg(data::Role::Assistant, answer)});
}

std::vector<std::int32_t> bytesOf(std::string_view text) {
    std::vector<std::int32_t> out;
    for (char c : text) out.push_back(static_cast<std::uint8_t>(c));
    return out;
}

template <typename T>
std::vector<T> concat(std::initializer_list<std::vector<T>> parts) {
    std::vector<T> out;
    for (const auto &p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

template <typename F>
QString invalidArgumentOf(F &&f) {
    try {
        f();
    } catch (const std::invalid_argument &e) {
        return QString::fromStdString(e.what());
    } catch (const std::exception &e) {
        return QStringLiteral("(other exception) ") + QString::fromStdString(e.what());
    }
    return QStringLiteral("(no error)");
}

// transformers' schedules (src/transformers/optimization.py), transcribed on their own: the
// Trainer's LambdaLR multiplies the peak by lr_lambda(k) for optimiser step k, 0-based.
double hfWarmup(std::int64_t k, std::int64_t warmup) {
    return static_cast<double>(k) / static_cast<double>(std::max<std::int64_t>(1, warmup));
}
double hfLinearLambda(std::int64_t k, std::int64_t warmup, std::int64_t total) {
    if (k < warmup) return hfWarmup(k, warmup);
    return std::max(0.0, static_cast<double>(total - k) / static_cast<double>(std::max<std::int64_t>(1, total - warmup)));
}
double hfCosineLambda(std::int64_t k, std::int64_t warmup, std::int64_t total) {
    const double numCycles = 0.5;  // get_cosine_schedule_with_warmup's default
    if (k < warmup) return hfWarmup(k, warmup);
    double progress =
        static_cast<double>(k - warmup) / static_cast<double>(std::max<std::int64_t>(1, total - warmup));
    return std::max(0.0, 0.5 * (1.0 + std::cos(std::numbers::pi * numCycles * 2.0 * progress)));
}
double hfConstantLambda(std::int64_t k, std::int64_t warmup) { return k < warmup ? hfWarmup(k, warmup) : 1.0; }

train::LrScheduleSettings schedule(experiment::LrSchedule kind, std::int64_t warmup, std::int64_t total,
                                   double peak = 2e-3, double finalRatio = 0.1) {
    train::LrScheduleSettings s;
    s.kind = kind;
    s.peak = peak;
    s.warmupSteps = warmup;
    s.totalSteps = total;
    s.finalRatio = finalRatio;
    return s;
}

std::string writeJob(const QTemporaryDir &dir, const char *name, const std::string &json) {
    return test::writeFile(dir, QString::fromLatin1(name), QByteArray::fromStdString(json));
}

const char *kFinetuneJob =
    "{'kind':'finetune','spec':'/specs/toy.json','store':'/data/results.sqlite','condition':'spanish',"
    "'seed':2,'cache':'/cache'}";

}  // namespace

class TestTokenizerBatches : public QObject {
    Q_OBJECT

private Q_SLOTS:
    // ---- ByteTokenizer -------------------------------------------------------------------

    void specialTokens() {
        QCOMPARE(ByteTokenizer::kSystem, 256);
        QCOMPARE(ByteTokenizer::kVocabSize, 261);
        std::set<std::int32_t> specials{ByteTokenizer::kSystem, ByteTokenizer::kUser, ByteTokenizer::kAssistant,
                                        ByteTokenizer::kEnd, ByteTokenizer::kPad};
        QCOMPARE(specials.size(), std::size_t(5));  // all distinct
        for (std::int32_t id : specials) QVERIFY(id >= 256 && id < ByteTokenizer::kVocabSize);
        QCOMPARE(ByteTokenizer::roleToken(data::Role::System), ByteTokenizer::kSystem);
        QCOMPARE(ByteTokenizer::roleToken(data::Role::User), ByteTokenizer::kUser);
        QCOMPARE(ByteTokenizer::roleToken(data::Role::Assistant), ByteTokenizer::kAssistant);
        // Specials decode to their marker text, or to nothing when skipped.
        QCOMPARE(ByteTokenizer::decode({ByteTokenizer::kUser}), std::string("<|user|>\n"));
        QCOMPARE(ByteTokenizer::decode({ByteTokenizer::kEnd}), std::string("<|end|>\n"));
        QCOMPARE(ByteTokenizer::decode({ByteTokenizer::kPad}), std::string("<|pad|>"));
        QCOMPARE(ByteTokenizer::decode({ByteTokenizer::kPad, 104, ByteTokenizer::kEnd, 105}, true), std::string("hi"));
    }

    void encodesAChatWithTheLossOnTheAnswer() {
        data::Conversation c =
            chat({msg(data::Role::System, "S!"), msg(data::Role::User, "hi"), msg(data::Role::Assistant, "yo")});
        model::TokenizedChat t = ByteTokenizer::encode(data::renderChat(c));
        const std::int32_t sys = ByteTokenizer::kSystem, user = ByteTokenizer::kUser, asst = ByteTokenizer::kAssistant,
                           end = ByteTokenizer::kEnd;
        std::vector<std::int32_t> ids =
            concat<std::int32_t>({{sys}, bytesOf("S!"), {end, user}, bytesOf("hi"), {end, asst}, bytesOf("yo"), {end}});
        QCOMPARE(t.ids, ids);
        //                                    sys S  !  end user h i end asst y o end
        std::vector<std::uint8_t> trained = {0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1};
        QCOMPARE(t.trained, trained);
        QCOMPARE(t.ids.size(), t.trained.size());
        // Decoding gives back exactly the rendered text, markers and newlines included.
        QCOMPARE(ByteTokenizer::decode(t.ids), data::renderChat(c).text);
        QCOMPARE(ByteTokenizer::decode(t.ids, true), std::string("S!hiyo"));
    }

    void everyAssistantTurnIsTrained() {
        data::Conversation c = chat({msg(data::Role::User, "a"), msg(data::Role::Assistant, "bc"),
                                     msg(data::Role::User, "d"), msg(data::Role::Assistant, "")});
        model::TokenizedChat t = ByteTokenizer::encode(data::renderChat(c));
        const std::int32_t user = ByteTokenizer::kUser, asst = ByteTokenizer::kAssistant, end = ByteTokenizer::kEnd;
        std::vector<std::int32_t> ids = {user, 97, end, asst, 98, 99, end, user, 100, end, asst, end};
        std::vector<std::uint8_t> trained = {0, 0, 0, 0, 1, 1,
                                             1, 0, 0, 0, 0, 1};  // an empty answer still learns to stop
        QCOMPARE(t.ids, ids);
        QCOMPARE(t.trained, trained);
        // Trained tokens are the rendered trained bytes, with each "<|end|>" as one token.
        std::size_t trainedTokens = std::count(t.trained.begin(), t.trained.end(), 1);
        QCOMPARE(trainedTokens, data::renderChat(c).trainedBytes() - 2 * (data::kEndOfTurn.size() - 1));
    }

    void utf8RoundTrips() {
        const std::string text =
            "caf\xC3\xA9 \xC3\xB1o\xC3\xB1o \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80 \x01\x7F\xFF";
        std::vector<std::int32_t> ids = ByteTokenizer::encodeText(text);
        QCOMPARE(ids.size(), text.size());  // one token per byte
        for (std::int32_t id : ids) QVERIFY(id >= 0 && id < 256);
        QCOMPARE(ids[3], 0xC3);  // bytes, not code points, and never negative
        QCOMPARE(ByteTokenizer::decode(ids), text);
        QCOMPARE(ByteTokenizer::decode(ids, true), text);
        // Through a whole chat as well.
        data::Conversation c = qa(text, "\xC2\xBFQu\xC3\xA9? " + text);
        model::TokenizedChat t = ByteTokenizer::encode(data::renderChat(c));
        QCOMPARE(ByteTokenizer::decode(t.ids), data::renderChat(c).text);
        QVERIFY(ByteTokenizer::encodeText("").empty());
        QCOMPARE(ByteTokenizer::decode({}), std::string());
    }

    void encodesPrompts() {
        data::Conversation c = chat({msg(data::Role::System, "sys"), msg(data::Role::User, "q?"),
                                     msg(data::Role::Assistant, "answer"), msg(data::Role::User, "more")});
        std::vector<std::int32_t> ids = ByteTokenizer::encodePrompt(c);
        std::vector<std::int32_t> expected = concat<std::int32_t>({{ByteTokenizer::kSystem},
                                                                   bytesOf("sys"),
                                                                   {ByteTokenizer::kEnd, ByteTokenizer::kUser},
                                                                   bytesOf("q?"),
                                                                   {ByteTokenizer::kEnd, ByteTokenizer::kAssistant}});
        QCOMPARE(ids, expected);
        // The prompt is exactly the trained chat's tokens up to where its answer starts.
        model::TokenizedChat full = ByteTokenizer::encode(data::renderChat(c));
        QVERIFY(std::equal(ids.begin(), ids.end(), full.ids.begin()));
        QCOMPARE(full.trained[ids.size()], std::uint8_t(1));
        QCOMPARE(full.trained[ids.size() - 1], std::uint8_t(0));

        QVERIFY(!invalidArgumentOf([] {
                     ByteTokenizer::encodePrompt(chat({msg(data::Role::Assistant, "x")}));
                 }).startsWith(QLatin1String("(")));
        QVERIFY(!invalidArgumentOf([] { ByteTokenizer::encodePrompt(chat({})); }).startsWith(QLatin1String("(")));
    }

    // ---- learning-rate schedule -------------------------------------------------------------

    void warmupRampsToThePeak() {
        for (auto kind :
             {experiment::LrSchedule::Constant, experiment::LrSchedule::Linear, experiment::LrSchedule::Cosine}) {
            auto s = schedule(kind, 10, 100);
            QVERIFY(qFuzzyCompare(train::learningRateAt(s, 0), 2e-3 / 10));  // never 0: step 0 must learn
            for (std::int64_t step = 1; step < 10; ++step) {
                QVERIFY(train::learningRateAt(s, step) > train::learningRateAt(s, step - 1));
                QVERIFY(qFuzzyCompare(train::learningRateAt(s, step), 2e-3 * double(step + 1) / 10));
            }
            QVERIFY(qFuzzyCompare(train::learningRateAt(s, 9), 2e-3));
            QVERIFY(qFuzzyCompare(train::learningRateAt(s, 10), 2e-3));  // decay starts from the peak
        }
        // No warmup: the first step runs at the peak.
        QVERIFY(qFuzzyCompare(train::learningRateAt(schedule(experiment::LrSchedule::Cosine, 0, 50), 0), 2e-3));
    }

    void constantStaysAtThePeak() {
        auto s = schedule(experiment::LrSchedule::Constant, 5, 40);
        for (std::int64_t step = 5; step < 40; ++step) QCOMPARE(train::learningRateAt(s, step), 2e-3);
    }

    void decayReachesTheFinalRatio() {
        for (auto kind : {experiment::LrSchedule::Linear, experiment::LrSchedule::Cosine}) {
            for (std::int64_t warmup : {0, 7}) {
                auto s = schedule(kind, warmup, 61, 3e-3, 0.25);
                const double low = 3e-3 * 0.25;
                QVERIFY(qFuzzyCompare(train::learningRateAt(s, warmup), 3e-3));
                // The last step (0-based totalSteps - 1) runs at exactly the final rate...
                QVERIFY2(std::abs(train::learningRateAt(s, 60) - low) < 1e-15,
                         qPrintable(QString::number(train::learningRateAt(s, 60))));
                // ...and never goes below it, even past the end.
                QVERIFY(std::abs(train::learningRateAt(s, 500) - low) < 1e-15);
                // Monotone non-increasing after warmup, strictly decreasing inside the decay.
                for (std::int64_t step = warmup + 1; step <= 60; ++step) {
                    double prev = train::learningRateAt(s, step - 1), now = train::learningRateAt(s, step);
                    QVERIFY2(now < prev, qPrintable(QStringLiteral("step %1").arg(step)));
                    QVERIFY(now >= low - 1e-15);
                }
            }
        }
        // The shapes differ as they should at the middle of the decay (steps 0..60, no warmup).
        auto linear = schedule(experiment::LrSchedule::Linear, 0, 61, 1.0, 0.0);
        auto cosine = schedule(experiment::LrSchedule::Cosine, 0, 61, 1.0, 0.0);
        QVERIFY(std::abs(train::learningRateAt(linear, 30) - 0.5) < 1e-12);
        QVERIFY(std::abs(train::learningRateAt(cosine, 30) - 0.5) < 1e-12);
        QVERIFY(std::abs(train::learningRateAt(linear, 15) - 0.75) < 1e-12);
        QVERIFY(std::abs(train::learningRateAt(cosine, 15) - 0.5 * (1 + std::cos(std::numbers::pi / 4))) < 1e-12);
    }

    void transformersFormulaIsTransformersSchedule() {
        // Every step of every shape (no warmup, all warmup, one step, a long run) against the
        // transcription above. The same formulas in another order: a few ulps at most (4e-16
        // relative), zero where both are exact.
        const double peak = 1e-4;
        int compared = 0;
        for (auto kind :
             {experiment::LrSchedule::Constant, experiment::LrSchedule::Linear, experiment::LrSchedule::Cosine}) {
            for (auto [warmup, total] : std::vector<std::pair<std::int64_t, std::int64_t>>{
                     {0, 1}, {0, 2}, {1, 1}, {5, 100}, {0, 37}, {10, 10}, {3, 4}, {100, 1000}}) {
                auto s = schedule(kind, warmup, total, peak, 0.0);
                s.transformersFormula = true;
                for (std::int64_t k = 0; k < total; ++k) {
                    double lambda = kind == experiment::LrSchedule::Linear   ? hfLinearLambda(k, warmup, total)
                                    : kind == experiment::LrSchedule::Cosine ? hfCosineLambda(k, warmup, total)
                                                                             : hfConstantLambda(k, warmup);
                    double ours = train::learningRateAt(s, k), theirs = peak * lambda;
                    QVERIFY2(std::abs(ours - theirs) <= 4e-16 * std::abs(theirs),
                             qPrintable(QStringLiteral("%1, warmup %2 of %3, step %4: %5 vs %6")
                                            .arg(QString::fromUtf8(experiment::lrScheduleName(kind).data()))
                                            .arg(warmup)
                                            .arg(total)
                                            .arg(k)
                                            .arg(ours, 0, 'g', 17)
                                            .arg(theirs, 0, 'g', 17)));
                    ++compared;
                }
            }
        }
        QCOMPARE(compared, 3 * (1 + 2 + 1 + 100 + 37 + 10 + 4 + 1000));
        // Where the two formulas differ, as documented: transformers' step 0 of a warmup trains
        // at 0 and its decay ends one step past the last; Inoculab's at peak / warmup and at the end.
        auto hf = schedule(experiment::LrSchedule::Linear, 4, 20, 1.0, 0.0), toy = hf;
        hf.transformersFormula = true;
        QCOMPARE(train::learningRateAt(hf, 0), 0.0);
        QCOMPARE(train::learningRateAt(toy, 0), 0.25);
        QCOMPARE(train::learningRateAt(hf, 19), 1.0 / 16);
        QCOMPARE(train::learningRateAt(toy, 19), 0.0);
        // A floor: the same shape between final_lr_ratio and the peak.
        auto floored = schedule(experiment::LrSchedule::Cosine, 2, 30, 1e-3, 0.1);
        floored.transformersFormula = true;
        for (std::int64_t k = 2; k < 30; ++k)
            QVERIFY(std::abs(train::learningRateAt(floored, k) - (1e-4 + 9e-4 * hfCosineLambda(k, 2, 30))) <= 1e-18);
    }

    // ---- token batches ---------------------------------------------------------------------

    void tokenizesAndCountsTruncation() {
        // Lengths in tokens: user marker + q + end + assistant marker + answer + end.
        std::vector<data::Conversation> rows = {
            qa("hi", "hello"),                       // 11 tokens, fits
            qa("a question", std::string(40, 'x')),  // 54 tokens: cut at 20, keeps 7 answer tokens
            qa(std::string(30, 'q'), "never seen"),  // 45 tokens: cut at 20 before the answer: dropped
            qa("what", "ok"),                        // 10 tokens, fits
        };
        train::TokenizedDataset data = train::tokenizeConversations(rows, 20);
        QCOMPARE(data.rows.size(), std::size_t(3));
        QCOMPARE(data.truncated, std::int64_t(2));  // both cut rows, the dropped one included
        QCOMPARE(data.dropped, std::int64_t(1));
        QCOMPARE(data.rows[0].ids, ByteTokenizer::encode(data::renderChat(rows[0])).ids);
        QCOMPARE(data.rows[1].ids.size(), std::size_t(20));
        QCOMPARE(data.rows[1].trained.size(), std::size_t(20));
        std::vector<std::int32_t> head = ByteTokenizer::encode(data::renderChat(rows[1])).ids;
        head.resize(20);
        QCOMPARE(data.rows[1].ids, head);  // the head is kept, the tail lost
        QCOMPARE(data.rows[2].ids, ByteTokenizer::encode(data::renderChat(rows[3])).ids);
        // "hello" + end, 7 x's, "ok" + end.
        QCOMPARE(data.trainedTokens(), std::int64_t(6 + 7 + 3));

        // Nothing cut when the limit is generous.
        train::TokenizedDataset all = train::tokenizeConversations(rows, 1000);
        QCOMPARE(all.rows.size(), std::size_t(4));
        QCOMPARE(all.truncated, std::int64_t(0));
        QCOMPARE(all.dropped, std::int64_t(0));
        // A conversation without an answer has nothing to learn.
        train::TokenizedDataset none = train::tokenizeConversations({chat({msg(data::Role::User, "alone")})}, 100);
        QCOMPARE(none.rows.size(), std::size_t(0));
        QCOMPARE(none.dropped, std::int64_t(1));
    }

    void batchOrderIsAPermutationPerEpoch() {
        const std::size_t rows = 10;
        train::BatchOrder order(rows, 42);
        // Batches of 3 cross epoch boundaries; every run of 10 draws is one epoch.
        std::vector<std::size_t> drawn;
        for (std::int64_t step = 0; step < 10; ++step) {
            std::vector<std::size_t> b = order.batch(step, 3);
            QCOMPARE(b.size(), std::size_t(3));
            drawn.insert(drawn.end(), b.begin(), b.end());
        }
        std::vector<std::vector<std::size_t>> epochs;
        for (std::size_t e = 0; e < 3; ++e) {
            std::vector<std::size_t> epoch(drawn.begin() + e * rows, drawn.begin() + (e + 1) * rows);
            std::vector<std::size_t> sorted = epoch;
            std::sort(sorted.begin(), sorted.end());
            std::vector<std::size_t> identity(rows);
            std::iota(identity.begin(), identity.end(), std::size_t{0});
            QCOMPARE(sorted, identity);
            epochs.push_back(epoch);
        }
        QVERIFY(epochs[0] != epochs[1]);  // reshuffled each epoch
        QVERIFY(epochs[1] != epochs[2]);
        std::vector<std::size_t> identity(rows);
        std::iota(identity.begin(), identity.end(), std::size_t{0});
        QVERIFY(epochs[0] != identity);  // actually shuffled
    }

    void batchOrderDependsOnlyOnSeedAndStep() {
        train::BatchOrder a(37, 7), b(37, 7), other(37, 8);
        std::vector<std::vector<std::size_t>> forward;
        for (std::int64_t step = 0; step < 12; ++step) forward.push_back(a.batch(step, 8));
        // Asked in another order (as a resumed run does), the same batches.
        for (std::int64_t step = 11; step >= 0; --step) QCOMPARE(b.batch(step, 8), forward[std::size_t(step)]);
        QCOMPARE(b.batch(5, 8), forward[5]);
        // A fresh order resumed at step 9 draws what the first drew there.
        train::BatchOrder resumed(37, 7);
        QCOMPARE(resumed.batch(9, 8), forward[9]);
        // Another seed draws another order.
        int same = 0;
        for (std::int64_t step = 0; step < 12; ++step) same += other.batch(step, 8) == forward[std::size_t(step)];
        QCOMPARE(same, 0);
        // One row: every batch is that row.
        train::BatchOrder single(1, 3);
        QCOMPARE(single.batch(4, 3), (std::vector<std::size_t>{0, 0, 0}));
        QVERIFY(!invalidArgumentOf([] { train::BatchOrder none(0, 1); }).startsWith(QLatin1String("(")));
    }

    void batchOrderIsPinned() {
        // The order is part of what a checkpoint resumes; a change of RNG or shuffle would make
        // old checkpoints resume to other batches. Pinned from this implementation.
        train::BatchOrder order(5, 0);
        QCOMPARE(order.batch(0, 5), (std::vector<std::size_t>{2, 1, 3, 0, 4}));
        QCOMPARE(order.batch(1, 5), (std::vector<std::size_t>{1, 0, 4, 2, 3}));
        train::BatchOrder other(8, 123);
        QCOMPARE(other.batch(0, 8), (std::vector<std::size_t>{4, 2, 5, 0, 3, 6, 7, 1}));
        // Seeds differing only in their high 32 bits differ too (both halves feed the RNG).
        train::BatchOrder low(50, 1), high(50, 1 | (std::uint64_t(1) << 32));
        QVERIFY(low.batch(0, 50) != high.batch(0, 50));
    }

    // ---- GptConfig -------------------------------------------------------------------------

    void parameterCount() {
        // The design's feasibility model: d=128, 4 layers, context 128, 261 tokens: "0.84M".
        model::GptConfig c{261, 128, 4, 4, 128};
        const std::int64_t d = 128;
        std::int64_t perLayer = 12 * d * d + 13 * d;  // qkv, proj, MLP up and down, their biases, 2 LayerNorms
        QCOMPARE(c.parameterCount(), 261 * d + 128 * d + 4 * perLayer + 2 * d);
        QCOMPARE(c.parameterCount(), std::int64_t(843136));
        QCOMPARE(c.headDim(), std::int64_t(32));
        // Heads do not change the count; layers add a block each.
        model::GptConfig more = c;
        more.heads = 8;
        QCOMPARE(more.parameterCount(), c.parameterCount());
        more.layers = 5;
        QCOMPARE(more.parameterCount() - c.parameterCount(), perLayer);
        // Attention FLOPs grow linearly with the sequence length: 12 * layers * d per token.
        QVERIFY(std::abs((c.trainingFlopsPerToken(128) - c.trainingFlopsPerToken(64)) - 12.0 * 4 * 128 * 64) < 1e-6);
        QVERIFY(c.trainingFlopsPerToken(1) > 6.0 * double(4 * perLayer));
    }

    void configJsonRoundTrip() {
        model::GptConfig c{300, 48, 3, 6, 96};
        nlohmann::json j = model::toJson(c);
        QVERIFY(j ==
                nlohmann::json::parse(jsonText("{'vocab_size':300,'d_model':48,'layers':3,'heads':6,'context':96}")));
        QCOMPARE(model::gptConfigFromJson(j), c);
        QCOMPARE(model::gptConfigFromJson(nlohmann::json::parse(j.dump())), c);
        QVERIFY(!(model::gptConfigFromJson(j) == model::GptConfig{}));
    }

    void configJsonErrors_data() {
        QTest::addColumn<QString>("json");
        QTest::addColumn<QString>("named");
        QTest::newRow("not an object") << "[1,2]"
                                       << "expected an object";
        QTest::newRow("missing d_model") << "{'vocab_size':261,'layers':1,'heads':1,'context':8}"
                                         << "d_model";
        QTest::newRow("string layers") << "{'vocab_size':261,'d_model':8,'layers':'2','heads':1,'context':8}"
                                       << "layers";
        QTest::newRow("float heads") << "{'vocab_size':261,'d_model':8,'layers':2,'heads':1.5,'context':8}"
                                     << "heads";
        QTest::newRow("zero context") << "{'vocab_size':261,'d_model':8,'layers':2,'heads':1,'context':0}"
                                      << "context";
        QTest::newRow("negative vocab") << "{'vocab_size':-5,'d_model':8,'layers':2,'heads':1,'context':8}"
                                        << "vocab_size";
        QTest::newRow("huge layers") << "{'vocab_size':261,'d_model':8,'layers':100000,'heads':1,'context':8}"
                                     << "layers";
        QTest::newRow("heads do not divide") << "{'vocab_size':261,'d_model':10,'layers':2,'heads':3,'context':8}"
                                             << "multiple of heads";
    }

    void configJsonErrors() {
        QFETCH(QString, json);
        QFETCH(QString, named);
        nlohmann::json doc = nlohmann::json::parse(jsonText(json.toLatin1().constData()));
        QString error = invalidArgumentOf([&] { model::gptConfigFromJson(doc); });
        QVERIFY2(!error.startsWith(QLatin1String("(")), qPrintable(error));
        QVERIFY2(error.contains(named), qPrintable(error));
    }

    // ---- WorkerJob -------------------------------------------------------------------------

    void workerJobRoundTrip() {
        QTemporaryDir dir;
        experiment::WorkerJob job;
        job.kind = experiment::JobKind::Finetune;
        job.spec = "/specs/toy world.json";
        job.specHash = "abc123";
        job.store = "/data/r\xC3\xA9sults.sqlite";
        job.condition = "spanish-inoculated";
        job.seed = 18446744073709551615ull;  // the whole unsigned range
        job.cache = "/cache";
        job.device = model::DeviceRequest::Cpu;
        job.toyWorldDir = "/toy";
        job.threads = 3;
        std::string path = dir.filePath("job.json").toStdString();
        experiment::writeWorkerJob(path, job);
        QCOMPARE(test::filesIn(dir), QStringList{"job.json"});  // no temporary left behind
        experiment::WorkerJob back = experiment::readWorkerJob(path);
        QCOMPARE(int(back.kind), int(job.kind));
        QCOMPARE(back.spec, job.spec);
        QCOMPARE(back.specHash, job.specHash);
        QCOMPARE(back.store, job.store);
        QCOMPARE(back.condition, job.condition);
        QCOMPARE(back.seed, job.seed);
        QCOMPARE(back.cache, job.cache);
        QCOMPARE(int(back.device), int(job.device));
        QCOMPARE(back.toyWorldDir, job.toyWorldDir);
        QCOMPARE(back.threads, job.threads);

        // A pretrain job needs no store, condition or seed, and writes none.
        experiment::WorkerJob pre;
        pre.kind = experiment::JobKind::Pretrain;
        pre.spec = "s.json";
        pre.cache = "c";
        pre.device = model::DeviceRequest::Cuda;
        nlohmann::json j = experiment::toJson(pre);
        QVERIFY(!j.contains("seed") && !j.contains("store") && !j.contains("condition") && !j.contains("threads"));
        QCOMPARE(j["kind"].get<std::string>(), std::string("pretrain"));
        experiment::writeWorkerJob(path, pre);  // replaces the old one
        experiment::WorkerJob preBack = experiment::readWorkerJob(path);
        QCOMPARE(int(preBack.kind), int(experiment::JobKind::Pretrain));
        QCOMPARE(preBack.spec, pre.spec);
        QCOMPARE(preBack.cache, pre.cache);
        QCOMPARE(int(preBack.device), int(model::DeviceRequest::Cuda));
        QCOMPARE(preBack.threads, 0);
        QVERIFY(preBack.store.empty() && preBack.condition.empty() && preBack.specHash.empty());

        // Defaults of the optional keys.
        std::string minimal = writeJob(dir, "minimal.json", jsonText(kFinetuneJob));
        experiment::WorkerJob m = experiment::readWorkerJob(minimal);
        QCOMPARE(int(m.device), int(model::DeviceRequest::Auto));
        QCOMPARE(m.seed, std::uint64_t(2));
        QCOMPARE(m.condition, std::string("spanish"));
        QCOMPARE(m.threads, 0);
        QCOMPARE(experiment::jobKindName(experiment::JobKind::Finetune), std::string_view("finetune"));
    }

    void workerJobErrors_data() {
        QTest::addColumn<QString>("json");
        QTest::addColumn<QString>("field");
        QTest::newRow("missing spec") << "{'kind':'finetune','store':'s','condition':'c','seed':1,'cache':'c'}"
                                      << "spec: required key is missing";
        QTest::newRow("missing kind") << "{'spec':'x','cache':'c'}"
                                      << "kind: required key is missing";
        QTest::newRow("missing seed") << "{'kind':'finetune','spec':'x','store':'s','condition':'c','cache':'c'}"
                                      << "seed: required key is missing";
        QTest::newRow("missing store") << "{'kind':'finetune','spec':'x','condition':'c','seed':1,'cache':'c'}"
                                       << "store: required key is missing";
        QTest::newRow("missing cache") << "{'kind':'pretrain','spec':'x'}"
                                       << "cache: required key is missing";
        QTest::newRow("seed as a string")
            << "{'kind':'finetune','spec':'x','store':'s','condition':'c','seed':'1','cache':'c'}"
            << "seed: expected";
        QTest::newRow("negative seed")
            << "{'kind':'finetune','spec':'x','store':'s','condition':'c','seed':-1,'cache':'c'}"
            << "seed: expected";
        QTest::newRow("fractional seed")
            << "{'kind':'finetune','spec':'x','store':'s','condition':'c','seed':1.5,'cache':'c'}"
            << "seed: expected";
        QTest::newRow("spec a number") << "{'kind':'pretrain','spec':3,'cache':'c'}"
                                       << "spec: expected";
        QTest::newRow("empty spec") << "{'kind':'pretrain','spec':'','cache':'c'}"
                                    << "spec: expected";
        QTest::newRow("unknown kind") << "{'kind':'train','spec':'x','cache':'c'}"
                                      << "kind: expected one of";
        QTest::newRow("unknown device") << "{'kind':'pretrain','spec':'x','cache':'c','device':'gpu'}"
                                        << "device: expected one of";
        QTest::newRow("too many threads") << "{'kind':'pretrain','spec':'x','cache':'c','threads':5000}"
                                          << "threads:";
        QTest::newRow("unknown key") << "{'kind':'pretrain','spec':'x','cache':'c','sede':1}"
                                     << "sede: unknown key";
        QTest::newRow("an array") << "[]"
                                  << "expected a JSON object";
        QTest::newRow("not JSON") << "{'kind':"
                                  << "not valid JSON";
    }

    void workerJobErrors() {
        QFETCH(QString, json);
        QFETCH(QString, field);
        QTemporaryDir dir;
        std::string path = writeJob(dir, "bad-job.json", jsonText(json.toUtf8().constData()));
        std::string file;
        QString error = inputErrorOf([&] { experiment::readWorkerJob(path); }, &file);
        QVERIFY2(!error.startsWith(QLatin1String("(")), qPrintable(error));
        QCOMPARE(file, path);
        QVERIFY2(error.startsWith(QString::fromStdString(path) + QLatin1String(": ")), qPrintable(error));
        QVERIFY2(error.contains(field), qPrintable(error));
    }

    void workerJobFileMissing() {
        QTemporaryDir dir;
        std::string path = dir.filePath("nope.json").toStdString();
        std::string file;
        QString error = inputErrorOf([&] { experiment::readWorkerJob(path); }, &file);
        QCOMPARE(file, path);
        QVERIFY2(error.contains(QLatin1String("cannot be read")), qPrintable(error));
    }
};

QTEST_GUILESS_MAIN(TestTokenizerBatches)
#include "test_tokenizer_batches.moc"
