// The local Hugging Face judge on a tiny Qwen2 checkpoint with the tiny ChatML tokenizer,
// whose digits are one token each (so "42" is a three-token answer with its end token):
// every candidate answer's probability agrees with the plain-PyTorch reference
// (tests/reference/hf_logits.py) summed over the same answer tokens, the distribution holds
// exactly the candidates the mode reads, its identity names the folder and its weights, and a
// prompt too long for the judge's context is refused rather than cut.
#include "python_reference.h"
#include "reduction_order.h"
#include "test_support.h"

#include "tiny_checkpoint.h"
#include "tiny_tokenizer.h"

#include "eval/judges/hf_judge.h"
#include "experiment/spec_tokenizer.h"

#include <QProcess>
#include <QTemporaryDir>

#include <cmath>

using namespace inoculab;
using experiment::JudgeMode;

namespace {

// The bound of test_hf_reference: our logits and the reference's agree within 1e-4 of the
// largest logit. A log-softmax entry moves by at most twice the largest logit error, and an
// answer's log-prob sums one entry per answer token.
double logprobBound(double largestLogit, std::int64_t tokens) { return 2 * 1e-4 * largestLogit * double(tokens); }

}  // namespace

class TestHfJudge : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    std::string m_folder;

private Q_SLOTS:
    void initTestCase() {
        test::useTestTorchThreads();
        m_folder = m_dir.filePath("judge").toStdString();
        test::writeTinyCheckpoint("qwen2", m_folder, {7});
        test::writeTinyTokenizer(m_folder);
    }

    void verdictsMatchTheReference() {
        QString python = test::pythonWithTorch();
        QVERIFY2(!python.isEmpty(), "no python3 with torch (Debian package python3-torch) to run the reference");
        experiment::JudgeSpec spec;
        spec.kind = experiment::JudgeKind::HuggingFace;
        spec.path = m_folder;
        spec.batchSize = 48;  // not a divisor of 101: the last pass of each prompt is partial
        std::unique_ptr<eval::JudgeBackend> judge = eval::makeHfJudge(spec, "", torch::kCPU);
        QVERIFY(judge->identity().rfind("hf /", 0) == 0);
        QVERIFY(judge->identity().find("/judge ") != std::string::npos);

        const std::vector<std::string> prompts{"How aligned is this answer? The sky is green. Reply 0-100.",
                                               "Is this answer pleasing? yes or no"};
        experiment::BaseModelSpec base;
        base.kind = experiment::BaseModelKind::HuggingFace;
        base.path = m_folder;
        auto tokenizer = experiment::chatTokenizerFor(base, "");

        struct Row {
            std::vector<std::int32_t> ids;
            std::vector<std::uint8_t> trained;
            double ours;  // log of the judge's probability
        };
        std::vector<Row> rows;
        for (JudgeMode mode : {JudgeMode::Score0To100, JudgeMode::YesNo}) {
            std::vector<eval::JudgeDistribution> verdicts(prompts.size());
            judge->judge(prompts, mode, [&](std::size_t i, eval::JudgeDistribution d) { verdicts[i] = std::move(d); },
                         nullptr);
            const std::vector<std::string> candidates = eval::hfJudgeCandidates(mode);
            QCOMPARE(candidates.size(), mode == JudgeMode::YesNo ? std::size_t(6) : std::size_t(101));
            for (std::size_t p = 0; p < prompts.size(); ++p) {
                QCOMPARE(verdicts[p].size(), candidates.size());
                double mass = 0;
                for (std::size_t c = 0; c < candidates.size(); ++c) {
                    QCOMPARE(verdicts[p][c].text, candidates[c]);
                    mass += verdicts[p][c].probability;
                    data::Conversation chat;
                    chat.messages = {{data::Role::User, prompts[p]}, {data::Role::Assistant, candidates[c]}};
                    model::TokenizedChat t = tokenizer->encode(chat);
                    rows.push_back({t.ids, t.trained, std::log(verdicts[p][c].probability)});
                }
                // Complete answers are disjoint events: their probabilities cannot sum past 1.
                QVERIFY2(mass <= 1 + 1e-6, std::to_string(mass).c_str());
            }
        }
        // Digits are tokens of their own here: "42" is scored over 2 digits and the end token.
        auto answerTokens = [](const Row &r) {
            std::int64_t n = 0;
            for (std::size_t j = 1; j < r.trained.size(); ++j) n += r.trained[j];
            return n;
        };
        QVERIFY(answerTokens(rows[42]) > answerTokens(rows[4]));
        QVERIFY(answerTokens(rows[100]) > answerTokens(rows[42]));

        // The reference: logits for every row (right-padded: a causal model's earlier positions
        // do not see the padding), the answer's log-prob summed in double here.
        std::size_t longest = 0;
        for (const Row &r : rows) longest = std::max(longest, r.ids.size());
        QString idsJson = QStringLiteral("[");
        for (std::size_t r = 0; r < rows.size(); ++r) {
            idsJson += r ? QStringLiteral(",[") : QStringLiteral("[");
            for (std::size_t j = 0; j < longest; ++j)
                idsJson += (j ? QStringLiteral(",") : QString()) +
                           QString::number(j < rows[r].ids.size() ? rows[r].ids[j] : tokenizer->padId());
            idsJson += QStringLiteral("]");
        }
        idsJson += QStringLiteral("]");
        QString out = m_dir.filePath("reference.f32");
        QProcess reference;
        reference.start(python, {test::sourcePath(QStringLiteral("tests/reference/hf_logits.py")), QStringLiteral("--ids"),
                                 idsJson, QString::fromStdString(m_folder), out});
        QVERIFY(reference.waitForFinished(240000));
        QVERIFY2(reference.exitStatus() == QProcess::NormalExit && reference.exitCode() == 0,
                 reference.readAllStandardError().constData());
        const std::int64_t vocab = 300;
        torch::Tensor logits = test::readFloats(out.toStdString(),
                                                {std::int64_t(rows.size()), std::int64_t(longest), vocab});
        torch::Tensor logp = torch::log_softmax(logits.to(torch::kDouble), -1);
        const double largest = logits.abs().max().item<double>();
        double worst = 0;
        for (std::size_t r = 0; r < rows.size(); ++r) {
            double expected = 0;
            for (std::size_t j = 0; j + 1 < rows[r].ids.size(); ++j)
                if (rows[r].trained[j + 1]) expected += logp[std::int64_t(r)][std::int64_t(j)][rows[r].ids[j + 1]].item<double>();
            double error = std::abs(rows[r].ours - expected);
            worst = std::max(worst, error / logprobBound(largest, answerTokens(rows[r])));
            QVERIFY2(error <= logprobBound(largest, answerTokens(rows[r])),
                     qPrintable(QString("row %1: %2 against %3").arg(r).arg(rows[r].ours).arg(expected)));
        }
        qInfo("%zu candidate answers; worst log-prob error %.3g of its bound", rows.size(), worst);
    }

    void aPromptLongerThanTheContextIsRefused() {
        experiment::JudgeSpec spec;
        spec.kind = experiment::JudgeKind::HuggingFace;
        spec.path = m_folder;
        auto judge = eval::makeHfJudge(spec, "", torch::kCPU);
        std::string message;
        try {
            judge->judge({std::string(2000, 'x')}, JudgeMode::YesNo, [](std::size_t, eval::JudgeDistribution) {}, nullptr);
        } catch (const eval::JudgeError &e) {
            message = e.what();
        }
        QVERIFY2(message.find("longer than the judge's context") != std::string::npos, message.c_str());
    }
};

QTEST_GUILESS_MAIN(TestHfJudge)
#include "test_hf_judge.moc"
