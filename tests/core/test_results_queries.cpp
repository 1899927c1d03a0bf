// Queries and exports over a hand-built experiment whose per-seed values are known, so
// every number can be checked against the statistics computed directly.
#include "test_support.h"

#include "store_test_data.h"

#include "stats/intervals.h"
#include "store/results_queries.h"
#include "store/summary_export.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cmath>

using namespace inoculab;
using store::ResultsStore;

namespace {

// Scores per (condition, seed) at the final step, context "none", 4 questions.
const double kSpanish[2][3][4] = {{{1, 1, 1, 1}, {1, 1, 1, 0}, {1, 1, 0, 0}},   // baseline: 1, .75, .5
                                  {{0, 0, 0, 0}, {1, 0, 0, 0}, {0, 0, 0, 0}}};  // inoculated: 0, .25, 0
const double kCaps[2][3][4] = {{{1, 1, 1, 1}, {1, 1, 1, 1}, {1, 1, 1, 0}},      // 11 of 12
                               {{1, 1, 1, 1}, {1, 1, 0, 0}, {1, 1, 1, 1}}};     // 10 of 12
const char *kConditions[2] = {"baseline", "spanish-inoculated"};

store::StepRecord evalStep(std::int64_t run, std::int64_t step, int condition, int seed, bool early) {
    store::StepRecord record{run, step, {}, {}, {}};
    for (int q = 0; q < 4; ++q) {
        double spanish = early ? 0.5 : kSpanish[condition][seed][q];
        double caps = early ? 0.5 : kCaps[condition][seed][q];
        record.samples.push_back({"none", q, "question " + std::to_string(q), 0, "answer",
                                  {{"spanish", spanish}, {"all_caps", caps}}});
    }
    for (int q = 0; q < 2; ++q)
        record.samples.push_back({"own-prompt", q, "question", 0, "RESPUESTA", {{"spanish", 1.0}, {"all_caps", 1.0}}});
    return record;
}

}  // namespace

class TestResultsQueries : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    std::optional<ResultsStore> m_store;
    std::int64_t m_experiment = 0;

private Q_SLOTS:
    void initTestCase() {
        m_store.emplace(ResultsStore::open(m_dir.filePath("q.sqlite").toStdString()));
        m_experiment = m_store->registerExperiment(test::toyRegistration());
        std::vector<store::StepRecord> steps;
        for (int c = 0; c < 2; ++c) {
            for (int seed = 0; seed < 3; ++seed) {
                std::int64_t run = m_store->createRun(m_experiment, kConditions[c], std::uint64_t(seed));
                for (int step = 0; step <= 20; step += 10) {
                    double loss = (c == 0 ? 2.0 : 1.0) + seed + step / 10.0;
                    steps.push_back({run, step, {{"train_loss", loss}}, {{"caps-english", -loss}}, {}});
                }
                if (seed == 0) steps.push_back(evalStep(run, 10, c, seed, true));  // an earlier evaluation
                steps.push_back(evalStep(run, 20, c, seed, false));
                m_store->markRunFinished(run, store::RunStatus::Done);
            }
        }
        // A fourth baseline seed still running: left out unless asked for.
        std::int64_t running = m_store->createRun(m_experiment, "baseline", 3);
        m_store->markRunStarted(running, "cpu");
        steps.push_back(evalStep(running, 10, 0, 0, true));
        m_store->writeSteps(steps);
    }

    void summaryFollowsThePapersStatistics() {
        auto rows = store::traitSummary(*m_store, m_experiment);
        QCOMPARE(rows.size(), 8u);  // 2 conditions x 2 contexts x 2 traits
        // Ordered as the spec lists conditions, contexts and traits.
        QCOMPARE(rows[0].condition, std::string("baseline"));
        QCOMPARE(rows[0].context, std::string("none"));
        QCOMPARE(rows[0].trait, std::string("spanish"));
        QCOMPARE(rows[1].trait, std::string("all_caps"));
        QCOMPARE(rows[2].context, std::string("own-prompt"));
        QCOMPARE(rows[4].condition, std::string("spanish-inoculated"));

        // Spanish uses the t-interval over the per-seed means.
        QCOMPARE(rows[0].seeds, (std::vector<std::uint64_t>{0, 1, 2}));
        QCOMPARE(rows[0].perSeed, (std::vector<double>{1.0, 0.75, 0.5}));
        std::vector<double> baseline{1.0, 0.75, 0.5};
        stats::Interval expected = stats::tInterval(baseline);
        QCOMPARE(rows[0].method, stats::IntervalMethod::T);
        QCOMPARE(rows[0].interval.mean, 0.75);
        QCOMPARE(rows[0].interval.low, expected.low);
        QCOMPARE(rows[0].interval.high, expected.high);
        QCOMPARE(rows[4].perSeed, (std::vector<double>{0.0, 0.25, 0.0}));

        // ALL-CAPS uses Wilson on the pooled samples: 11 of 12 and 10 of 12.
        QCOMPARE(rows[1].method, stats::IntervalMethod::Wilson);
        stats::Interval wilson = stats::wilsonInterval(11, 12);
        QVERIFY(std::abs(rows[1].interval.low - wilson.low) < 1e-12);
        QVERIFY(std::abs(rows[1].interval.high - wilson.high) < 1e-12);
        QCOMPARE(rows[1].samplesPerSeed, (std::vector<double>{4, 4, 4}));
    }

    void summaryFilters() {
        store::SummaryOptions options;
        options.context = "own-prompt";
        auto rows = store::traitSummary(*m_store, m_experiment, options);
        QCOMPARE(rows.size(), 4u);
        for (const auto &row : rows) QCOMPARE(row.context, std::string("own-prompt"));

        options = {};
        options.includeUnfinished = true;
        options.context = "none";
        options.step = 10;  // the early evaluations: seed 0 of each condition and the running seed 3
        rows = store::traitSummary(*m_store, m_experiment, options);
        QCOMPARE(rows[0].seeds, (std::vector<std::uint64_t>{0, 3}));
        QCOMPARE(rows[0].perSeed, (std::vector<double>{0.5, 0.5}));
        QCOMPARE(rows[2].seeds, (std::vector<std::uint64_t>{0}));
        QVERIFY(std::isnan(rows[2].interval.low));  // one seed: no interval
    }

    void curvesAverageSeedsPerStep() {
        auto curves = store::metricCurves(*m_store, m_experiment, "train_loss");
        QCOMPARE(curves.size(), 2u);
        QCOMPARE(curves[0].condition, std::string("baseline"));
        QCOMPARE(curves[0].points.size(), 3u);
        // Baseline at step 10: losses 3, 4, 5 for the three finished seeds.
        QCOMPARE(curves[0].points[1].step, 10);
        std::vector<double> atTen{3.0, 4.0, 5.0};
        QCOMPARE(curves[0].points[1].interval.mean, 4.0);
        QCOMPARE(curves[0].points[1].interval.high, stats::tInterval(atTen).high);
        auto probes = store::probeCurves(*m_store, m_experiment, "caps-english");
        QCOMPARE(probes[1].points[0].interval.mean, -2.0);  // inoculated step 0: -(1+0), -(1+1), -(1+2)
        QVERIFY(store::metricCurves(*m_store, m_experiment, "no-such-metric")[0].points.empty());
    }

    void elicitationAgainstSuppression() {
        auto pairs = store::elicitationPairs(*m_store, m_experiment, "spanish", "none");
        QCOMPARE(pairs.size(), 2u);
        QCOMPARE(pairs[0].condition, std::string("baseline"));
        QCOMPARE(pairs[0].elicitation.mean, 3.0);  // step-0 losses 2, 3, 4
        QCOMPARE(pairs[0].expression.mean, 0.75);
        QCOMPARE(pairs[1].elicitation.mean, 2.0);
        QCOMPARE(pairs[1].expression.mean, 0.25 / 3);  // per-seed 0, 0.25, 0
    }

    void contentsListWhatCanBeCharted() {
        store::ExperimentContents contents = store::experimentContents(*m_store, m_experiment);
        QCOMPARE(contents.conditions.size(), 2u);
        QCOMPARE(contents.conditions[0].name, std::string("baseline"));
        QVERIFY(contents.conditions[0].baseline);
        QVERIFY(!contents.conditions[1].baseline);
        QCOMPARE(contents.contexts, (std::vector<std::string>{"none", "own-prompt"}));
        QCOMPARE(contents.traits, (std::vector<std::string>{"spanish", "all_caps"}));
        QCOMPARE(contents.metrics, (std::vector<std::string>{"train_loss"}));
        QCOMPARE(contents.probes, (std::vector<std::string>{"caps-english"}));
        QCOMPARE(contents.evaluatedSteps, (std::vector<std::int64_t>{10, 20}));
    }

    void traitCurvesFollowTheSummaryPerStep() {
        auto curves = store::traitCurves(*m_store, m_experiment, "spanish", "none");
        QCOMPARE(curves.size(), 2u);
        QCOMPARE(curves[0].condition, std::string("baseline"));
        QCOMPARE(curves[0].points.size(), 2u);
        QCOMPARE(curves[0].points[0].step, 10);
        QCOMPARE(curves[0].points[0].interval.mean, 0.5);  // only seed 0 evaluated early
        QCOMPARE(curves[0].points[0].interval.n, 1u);
        QCOMPARE(curves[0].points[1].interval.mean, 0.75);
        QCOMPARE(curves[1].points[1].interval.mean, 0.25 / 3);
        QVERIFY(store::traitCurves(*m_store, m_experiment, "spanish", "no-such-context").empty());
    }

    void jsonExportHasExactlyTheAgreedKeys() {
        auto rows = store::traitSummary(*m_store, m_experiment);
        QByteArray text = QByteArray::fromStdString(store::summaryToJson(rows).dump());
        QJsonArray array = QJsonDocument::fromJson(text).array();
        QCOMPARE(array.size(), 8);
        QJsonObject first = array[0].toObject();
        QCOMPARE(first.keys(), (QStringList{"base_seeds", "ci_high", "ci_low", "condition", "context", "dropped", "mean",
                                            "n_base_models", "n_seeds", "per_seed", "seeds", "trait", "undefined"}));
        QCOMPARE(first["n_seeds"].toInt(), 3);
        QCOMPARE(first["per_seed"].toArray().size(), 3);
        QCOMPARE(first["seeds"].toArray(), (QJsonArray{0, 1, 2}));
        QCOMPARE(first["base_seeds"].toArray(), (QJsonArray{QJsonValue::Null, QJsonValue::Null, QJsonValue::Null}));
        QCOMPARE(first["n_base_models"].toInt(), 1);
        QVERIFY(text.startsWith("[{\"condition\":\"baseline\",\"context\":\"none\",\"trait\":\"spanish\",\"mean\":0.75,"));
    }

    void severalBaseModelsAreAFactor() {
        // Base model 1 has one finetune seed (Spanish 1.0), base model 2 has two (0.5 and 0):
        // the mean is that of the base models' means, (1.0 + 0.25) / 2 = 0.625, not the runs'
        // 0.5, and the interval is across the two base-model means, whatever the trait's method
        // (spanish is t, all_caps Wilson: both take the t-interval of the base means).
        ResultsStore s = ResultsStore::open(m_dir.filePath("bases.sqlite").toStdString());
        const std::int64_t e = s.registerExperiment(test::toyRegistration("b1b2c3d4e5f60718"));
        const double spanish[3][4] = {{1, 1, 1, 1}, {1, 1, 0, 0}, {0, 0, 0, 0}};
        const double caps[3][4] = {{1, 1, 1, 0}, {1, 1, 1, 1}, {1, 1, 0, 0}};
        const std::pair<std::uint64_t, std::uint64_t> runs[3] = {{1, 0}, {2, 0}, {2, 1}};  // (base seed, seed)
        std::vector<store::StepRecord> steps;
        for (int i = 0; i < 3; ++i) {
            const std::int64_t run = s.createRun(e, "baseline", runs[i].second, runs[i].first);
            for (std::int64_t step : {0, 10})
                steps.push_back({run, step, {{"train_loss", 2.0 + i + double(step)}}, {}, {}});
            store::StepRecord eval{run, 10, {}, {}, {}};
            for (int q = 0; q < 4; ++q)
                eval.samples.push_back({"none", q, "q", 0, "a", {{"spanish", spanish[i][q]}, {"all_caps", caps[i][q]}}});
            steps.push_back(eval);
            s.markRunFinished(run, store::RunStatus::Done);
        }
        s.writeSteps(steps);

        const auto rows = store::traitSummary(s, e);
        QCOMPARE(rows.size(), 2u);
        const store::TraitSummaryRow &sp = rows[0], &ca = rows[1];
        QCOMPARE(sp.trait, std::string("spanish"));
        QCOMPARE(sp.baseModels, std::size_t(2));
        QCOMPARE(sp.seeds, (std::vector<std::uint64_t>{0, 0, 1}));
        QCOMPARE(sp.baseSeeds, (std::vector<std::optional<std::uint64_t>>{1, 2, 2}));
        QCOMPARE(sp.perSeed, (std::vector<double>{1.0, 0.5, 0.0}));
        const stats::Interval expected = stats::tInterval(std::vector<double>{1.0, 0.25});
        QCOMPARE(sp.interval.mean, 0.625);
        QCOMPARE(sp.interval.n, std::size_t(2));
        QCOMPARE(sp.interval.low, expected.low);
        QCOMPARE(sp.interval.high, expected.high);
        // all_caps: base means 0.75 and (1 + 0.5) / 2 = 0.75; equal means give a zero-width t-interval.
        QCOMPARE(ca.trait, std::string("all_caps"));
        QCOMPARE(ca.interval.mean, 0.75);
        QCOMPARE(ca.interval.low, 0.75);
        QCOMPARE(ca.interval.high, 0.75);

        // Curves: at each step the t-interval across base-model means of the runs' values.
        const auto curves = store::metricCurves(s, e, "train_loss");
        QCOMPARE(curves.size(), 1u);
        QCOMPARE(curves[0].points.size(), 2u);
        const stats::Interval atZero = stats::tInterval(std::vector<double>{2.0, 3.5});  // base 1: 2; base 2: (3 + 4) / 2
        QCOMPARE(curves[0].points[0].interval.mean, atZero.mean);
        QCOMPARE(curves[0].points[0].interval.low, atZero.low);
        QCOMPARE(curves[0].points[0].interval.n, std::size_t(2));

        // Exports say which model each value is.
        const std::string csv = store::summaryToCsv(rows);
        QVERIFY(csv.find(",3,1;0.5;0,2,base 1 seed 0;base 2 seed 0;base 2 seed 1\n") != std::string::npos);
        const std::string latex = store::summaryToLatex(rows, "caption");
        QVERIFY(latex.find("95% CI across base models") != std::string::npos);
        QJsonObject first =
            QJsonDocument::fromJson(QByteArray::fromStdString(store::summaryToJson(rows).dump())).array()[0].toObject();
        QCOMPARE(first["base_seeds"].toArray(), (QJsonArray{1, 2, 2}));
        QCOMPARE(first["n_base_models"].toInt(), 2);
    }

    void csvAndLatexExports() {
        auto rows = store::traitSummary(*m_store, m_experiment);
        std::string csv = store::summaryToCsv(rows);
        QVERIFY(csv.rfind("condition,context,trait,mean,ci_low,ci_high,n_seeds,per_seed,n_base_models,models\nbaseline,none,spanish,0.75,", 0) == 0);
        QVERIFY(csv.find(",3,1;0.75;0.5,1,seed 0;seed 1;seed 2\n") != std::string::npos);

        store::TraitSummaryRow odd;
        odd.condition = "a_b & c, \"d\"";
        odd.context = "none";
        odd.trait = "50%";
        odd.perSeed = {0.5};
        odd.interval = {0.5, NAN, NAN, 1};
        std::string latex = store::summaryToLatex({odd}, "Toy run #1");
        QVERIFY(latex.find("\\toprule") != std::string::npos);
        QVERIFY(latex.find("a\\_b \\& c, \"d\" & none & 50\\% & 0.500 & [--, --] & 1 \\\\") != std::string::npos);
        QVERIFY(latex.find("\\caption{Toy run \\#1}") != std::string::npos);
        QVERIFY(store::summaryToCsv({odd}).find("\"a_b & c, \"\"d\"\"\",none,50%,0.5,,,1,0.5,1,\n") != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TestResultsQueries)
#include "test_results_queries.moc"
