// Judged traits through the store: verdicts become scores, judgements and (only for answers
// that count) trait scores; undefined scores and answers dropped by another judged trait are
// counted and excluded; the verdict cache asks nothing twice (a second experiment asking the
// same judge the same prompt included), --rejudge asks again, and a judge that fails or is
// cancelled half-way leaves the verdicts it delivered in the store. The judge here is a
// scripted backend; the HTTP one has its own suite (test_openai_judge).
#include "test_support.h"

#include "common/input_error.h"
#include "eval/judges/judged_traits.h"
#include "store/verdict_cache.h"
#include "store_test_data.h"

#include <QTemporaryDir>

#include <map>
#include <regex>

using namespace inoculab;
using namespace inoculab::eval;
using experiment::JudgeSpec;
using experiment::TraitScorer;
using experiment::TraitSpec;

namespace {

// Answers "SCORE=n" prompts with n (probability 1/2), n + 10 (1/4) and a word (1/4), and
// "NOSCORE" prompts with words only. Fails or cancels after `failAfter` verdicts when set.
class ScriptedJudge final : public JudgeBackend {
public:
    ScriptedJudge(std::string id, int &asked, int failAfter, bool cancel)
        : m_id(std::move(id)), m_asked(asked), m_failAfter(failAfter), m_cancel(cancel) {}
    std::string identity() const override { return m_id; }
    void judge(const std::vector<std::string> &prompts, experiment::JudgeMode, const VerdictFn &onVerdict,
               const common::CancelToken *) override {
        for (std::size_t i = 0; i < prompts.size(); ++i) {
            if (m_failAfter >= 0 && static_cast<int>(i) == m_failAfter) {
                if (m_cancel) throw common::Cancelled();
                throw JudgeError("the scripted judge broke");
            }
            ++m_asked;
            std::smatch m;
            if (std::regex_search(prompts[i], m, std::regex("SCORE=([0-9]+)"))) {
                int n = std::stoi(m[1]);
                onVerdict(i, {{std::to_string(n), 0.5}, {std::to_string(n + 10), 0.25}, {"hmm", 0.25}});
            } else {
                onVerdict(i, {{"hmm", 1.0}});
            }
        }
    }

private:
    std::string m_id;
    int &m_asked;
    int m_failAfter;
    bool m_cancel;
};

TraitSpec judged(const std::string &name, const std::string &templ, std::string dropWhen = {}) {
    TraitSpec t;
    t.name = name;
    t.scorer = TraitScorer::Judge;
    JudgeSpec j;
    j.templateText = templ;
    j.countsBelow = name == "misaligned";
    j.dropWhenTrait = std::move(dropWhen);
    j.dropBelow = 30;
    t.judge = j;
    return t;
}

store::StepRecord::Sample sample(const std::string &question, const std::string &answer, std::int64_t index) {
    store::StepRecord::Sample s;
    s.context = "none";
    s.questionIndex = index;
    s.question = question;
    s.response = answer;
    return s;
}

}  // namespace

class TestJudgedTraits : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    int m_asked = 0;
    int m_failAfter = -1;
    bool m_cancel = false;

    JudgeBackendFactory factory() {
        return [this](const JudgeSpec &, const std::string &) {
            return std::make_shared<ScriptedJudge>("scripted v1", m_asked, m_failAfter, m_cancel);
        };
    }
    experiment::ExperimentSpec spec() {
        experiment::ExperimentSpec s;
        s.traits.push_back(judged("misaligned", "alignment of {answer} to {question}", "coherence"));
        s.traits.push_back(judged("coherence", "coherence of {answer} to {question} C"));
        return s;
    }
    // Alignment and coherence are both read from the answer's SCORE=a/C=c text.
    std::vector<store::StepRecord::Sample> samples() {
        return {sample("q0", "SCORE=10 C:SCORE=90", 0),  // misaligned, coherent
                sample("q1", "SCORE=80", 1),            // aligned, coherent
                sample("q2", "SCORE=5 NOSCORE", 2),     // misaligned ...
                sample("q3", "NOSCORE", 3)};            // undefined alignment and coherence
    }

private Q_SLOTS:
    void verdictsBecomeScoresAndDropsAndCounts() {
        store::ResultsStore s = store::ResultsStore::open(m_dir.filePath("a.sqlite").toStdString());
        std::vector<store::StepRecord::Sample> rows = samples();
        m_asked = 0;
        std::vector<JudgedTraitStats> stats = judgeSamples(spec(), "", rows, s, factory());
        // The templates differ, so each trait asks every distinct prompt once.
        QCOMPARE(m_asked, 8);
        QCOMPARE(stats.size(), std::size_t(2));
        // The scripted judge reads the first SCORE= of the prompt: the alignment template puts the
        // answer first, so q0's alignment is 10 (+10 at 1/4): (0.5*10 + 0.25*20)/0.75 = 13.33.
        const auto &q0 = rows[0].judgements;
        QCOMPARE(q0.size(), std::size_t(2));
        QCOMPARE(q0[0].trait, std::string("misaligned"));
        QCOMPARE(*q0[0].score, (0.5 * 10 + 0.25 * 20) / 0.75);
        QCOMPARE(q0[0].mass, 0.75);
        QCOMPARE(q0[0].judge, std::string("scripted v1"));
        // Coherence reads the same first SCORE= (10) -> 13.3 < 30: q0's alignment is dropped.
        QVERIFY(q0[0].dropped);
        QVERIFY(!q0[1].dropped);  // coherence itself has no drop rule
        // q1: alignment 80 -> 86.7 (not misaligned), coherence 86.7 >= 30: counts as 0.
        std::map<std::string, double> q1(rows[1].traitScores.begin(), rows[1].traitScores.end());
        QCOMPARE(q1.at("misaligned"), 0.0);
        QCOMPARE(q1.at("coherence"), 1.0);  // threshold 50, counts above
        // q3: nothing to read: both undefined, so neither has a trait score; its alignment is
        // dropped too (coherence undefined is not coherence shown).
        QVERIFY(!rows[3].judgements[0].score);
        QVERIFY(rows[3].judgements[0].dropped);
        QVERIFY(rows[3].traitScores.empty());
        QCOMPARE(stats[0].trait, std::string("misaligned"));
        QCOMPARE(stats[0].undefined, std::size_t(1));
        QCOMPARE(stats[0].dropped, std::size_t(3));  // q0 (13.3), q2 (5 -> 6.7), q3 (undefined)
        QCOMPARE(stats[1].undefined, std::size_t(1));
        QCOMPARE(stats[1].dropped, std::size_t(0));
        QCOMPARE(store::verdictCount(s), std::int64_t(8));

        // The same prompts again (a rerun, a resumed evaluation): nothing is asked.
        std::vector<store::StepRecord::Sample> again = samples();
        m_asked = 0;
        stats = judgeSamples(spec(), "", again, s, factory());
        QCOMPARE(m_asked, 0);
        QCOMPARE(stats[0].cached, std::size_t(4));
        QCOMPARE(again[0].judgements[0].score, rows[0].judgements[0].score);
        QCOMPARE(again[1].traitScores, rows[1].traitScores);

        // --rejudge asks every prompt again and replaces the verdicts.
        m_asked = 0;
        judgeSamples(spec(), "", again, s, factory(), {true, nullptr});
        QCOMPARE(m_asked, 8);
        QCOMPARE(store::verdictCount(s), std::int64_t(8));
    }

    void writtenSamplesKeepTheirJudgements() {
        store::ResultsStore s = store::ResultsStore::open(m_dir.filePath("b.sqlite").toStdString());
        std::int64_t run = s.createRun(s.registerExperiment(test::toyRegistration()), "baseline", 0);
        store::StepRecord step{run, 10, {}, {}, samples()};
        judgeSamples(spec(), "", step.samples, s, factory());
        s.writeSteps(std::span(&step, 1));
        store::Statement q(s.database(),
                           "SELECT count(*), count(judge_score), sum(dropped) FROM judgements WHERE trait = 'misaligned'");
        QVERIFY(q.step());
        QCOMPARE(q.integer(0), std::int64_t(4));
        QCOMPARE(q.integer(1), std::int64_t(3));  // q3's is NULL
        QCOMPARE(q.integer(2), std::int64_t(3));
        store::Statement scores(s.database(), "SELECT count(*) FROM trait_scores WHERE trait = 'misaligned'");
        QVERIFY(scores.step());
        QCOMPARE(scores.integer(0), std::int64_t(1));  // only q1 counts
        // Every judgement's verdict is in the cache, with the exact prompt the judge read.
        store::Statement prompt(s.database(),
                                "SELECT v.prompt FROM judgements j JOIN eval_samples e ON e.id = j.sample_id "
                                "JOIN judge_verdicts v ON v.judge = j.judge AND v.mode = j.mode AND "
                                "v.prompt_sha256 = j.prompt_sha256 WHERE e.question = 'q1' AND j.trait = 'misaligned'");
        QVERIFY(prompt.step());
        QCOMPARE(prompt.text(0), std::string("alignment of SCORE=80 to q1"));
    }

    void aFailedOrCancelledJudgeKeepsWhatItDelivered() {
        for (bool cancel : {false, true}) {
            store::ResultsStore s = store::ResultsStore::open(
                m_dir.filePath(cancel ? "cancel.sqlite" : "fail.sqlite").toStdString());
            std::vector<store::StepRecord::Sample> rows = samples();
            m_failAfter = 3;
            m_cancel = cancel;
            m_asked = 0;
            if (cancel)
                QVERIFY_THROWS_EXCEPTION(common::Cancelled, judgeSamples(spec(), "", rows, s, factory()));
            else
                QVERIFY_THROWS_EXCEPTION(JudgeError, judgeSamples(spec(), "", rows, s, factory()));
            QCOMPARE(store::verdictCount(s), std::int64_t(3));
            m_failAfter = -1;
            m_asked = 0;
            judgeSamples(spec(), "", rows = samples(), s, factory());
            QCOMPARE(m_asked, 8 - 3);  // the three paid for are not asked again
        }
    }

    void illFormedAnswersReachTheJudgeAsValidText() {
        store::ResultsStore s = store::ResultsStore::open(m_dir.filePath("d.sqlite").toStdString());
        std::vector<store::StepRecord::Sample> rows{sample("q", std::string("SCORE=60 caf\xC3"), 0)};
        experiment::ExperimentSpec one;
        one.traits.push_back(judged("aligned", "{question} {answer}"));
        judgeSamples(one, "", rows, s, factory());
        store::Statement prompt(s.database(), "SELECT prompt FROM judge_verdicts");
        QVERIFY(prompt.step());
        QCOMPARE(prompt.text(0), std::string("q SCORE=60 caf\xEF\xBF\xBD"));  // U+FFFD for the cut character
    }

    void identicalAnswersAreOneVerdict() {
        store::ResultsStore s = store::ResultsStore::open(m_dir.filePath("c.sqlite").toStdString());
        std::vector<store::StepRecord::Sample> rows{sample("q", "SCORE=60", 0), sample("q", "SCORE=60", 1)};
        experiment::ExperimentSpec one;
        one.traits.push_back(judged("aligned", "{question} {answer}"));
        m_asked = 0;
        judgeSamples(one, "", rows, s, factory());
        QCOMPARE(m_asked, 1);
        QCOMPARE(rows[0].traitScores, rows[1].traitScores);
    }
};

QTEST_GUILESS_MAIN(TestJudgedTraits)
#include "test_judged_traits.moc"
