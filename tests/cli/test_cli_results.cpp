// inoculab-cli experiment validate and results list/summary/export, on a store built here.
#include "test_support.h"

#include "../core/store_test_data.h"

#include "common/sha256.h"
#include "store/results_store.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>

using namespace inoculab;

namespace {

struct Run {
    int exitCode = -1;
    QByteArray out, err;
};

Run cli(const QStringList &args) {
    QProcess process;
    process.start(qEnvironmentVariable("INOCULAB_CLI"), args);
    if (!process.waitForFinished(60000)) qFatal("inoculab-cli did not finish");
    return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1, process.readAllStandardOutput(),
            process.readAllStandardError()};
}

}  // namespace

class TestCliResults : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QString m_store;

private Q_SLOTS:
    void initTestCase() {
        m_store = m_dir.filePath("results.sqlite");
        store::ResultsStore s = store::ResultsStore::open(m_store.toStdString());
        std::int64_t e = s.registerExperiment(test::toyRegistration());
        std::vector<store::StepRecord> steps;
        const double spanish[2][2] = {{1.0, 0.5}, {0.0, 0.5}};  // condition x seed, one sample each
        const char *names[2] = {"baseline", "spanish-inoculated"};
        for (int c = 0; c < 2; ++c) {
            for (int seed = 0; seed < 2; ++seed) {
                std::int64_t run = s.createRun(e, names[c], std::uint64_t(seed));
                steps.push_back({run, 100, {{"train_loss", 0.5}}, {}, {{"none", 0, "q", 0, "r", {{"spanish", spanish[c][seed]}}}}});
                s.markRunFinished(run, store::RunStatus::Done);
            }
        }
        s.writeSteps(steps);
    }

    void listShowsExperimentsAndRuns() {
        Run run = cli({"results", "list", "--store", m_store, "--json"});
        QCOMPARE(run.exitCode, 0);
        QJsonArray experiments = QJsonDocument::fromJson(run.out).array();
        QCOMPARE(experiments.size(), 1);
        QJsonArray runs = experiments[0].toObject()["runs"].toArray();
        QCOMPARE(runs.size(), 4);
        QCOMPARE(runs[0].toObject()["status"].toString(), QString("done"));
        Run text = cli({"results", "list", "--store", m_store});
        QCOMPARE(text.exitCode, 0);
        QVERIFY(text.out.contains("spanish-inoculated"));
    }

    void summaryJsonHasExactlyTheAgreedKeys() {
        Run run = cli({"results", "summary", "--store", m_store, "--experiment", "toy", "--json"});
        QCOMPARE(run.exitCode, 0);
        QJsonArray rows = QJsonDocument::fromJson(run.out).array();
        QCOMPARE(rows.size(), 2);
        QJsonObject first = rows[0].toObject();
        QCOMPARE(first.keys(), (QStringList{"base_seeds", "ci_high", "ci_low", "condition", "context", "dropped", "mean",
                                            "n_base_models", "n_seeds", "per_seed", "seeds", "trait", "undefined"}));
        QCOMPARE(first["undefined"].toInt(), 0);  // no judged traits here
        QCOMPARE(first["dropped"].toInt(), 0);
        QCOMPARE(first["condition"].toString(), QString("baseline"));
        QCOMPARE(first["mean"].toDouble(), 0.75);
        QCOMPARE(first["per_seed"].toArray(), (QJsonArray{1.0, 0.5}));
        QCOMPARE(first["n_seeds"].toInt(), 2);
        QVERIFY(first["ci_low"].toDouble() < 0.75 && first["ci_high"].toDouble() > 0.75);
        // By spec hash prefix too, and filtered by context.
        Run byHash = cli({"results", "summary", "--store", m_store, "--experiment", "a1b2c3d4", "--context", "none",
                          "--json"});
        QCOMPARE(QJsonDocument::fromJson(byHash.out).array().size(), 2);
    }

    void exportWritesEachFormat() {
        for (QString format : {"csv", "json", "latex"}) {
            QString out = m_dir.filePath("summary." + format);
            Run run = cli({"results", "export", "--store", m_store, "--experiment", "toy", "--format", format, "--out", out});
            QCOMPARE(run.exitCode, 0);
            QByteArray text = test::readFile(out.toStdString());
            if (format == "csv") QVERIFY(text.startsWith("condition,context,trait,mean,ci_low,ci_high,n_seeds,per_seed,n_base_models,models\n"));
            if (format == "json") QCOMPARE(QJsonDocument::fromJson(text).array().size(), 2);
            if (format == "latex") QVERIFY(text.contains("\\toprule") && text.contains("spanish-inoculated"));
        }
        Run self = cli({"results", "export", "--store", m_store, "--experiment", "toy", "--format", "csv", "--out", m_store});
        QCOMPARE(self.exitCode, 1);
    }

    void unknownExperimentIsAUsageError() {
        Run run = cli({"results", "summary", "--store", m_store, "--experiment", "nope"});
        QCOMPARE(run.exitCode, 1);
        QVERIFY(run.err.contains("it has: toy"));
    }

    void badStoresAreInvalidInputAndUntouched() {
        std::string notes = test::writeFile(m_dir, "notes.sqlite", "not a database at all\n");
        std::string before = common::sha256File(notes);
        Run run = cli({"results", "list", "--store", QString::fromStdString(notes)});
        QCOMPARE(run.exitCode, 2);
        QVERIFY(run.err.contains("not an SQLite database"));
        QCOMPARE(common::sha256File(notes), before);
        Run missing = cli({"results", "list", "--store", m_dir.filePath("missing.sqlite")});
        QCOMPARE(missing.exitCode, 2);
        QVERIFY(!QFile::exists(m_dir.filePath("missing.sqlite")));
    }

    void experimentValidate() {
        QString example = test::sourcePath("datasets/experiments/spanish-caps.json");
        Run ok = cli({"experiment", "validate", example, "--json"});
        QCOMPARE(ok.exitCode, 0);
        QJsonObject doc = QJsonDocument::fromJson(ok.out).object();
        QCOMPARE(doc["valid"].toBool(), true);
        QCOMPARE(doc["spec_hash"].toString().size(), 64);
        QVERIFY(doc["runs"].toInt() > 0);

        QByteArray broken = test::readFile(example.toStdString());
        broken.replace("\"seeds\"", "\"sedes\"");
        QString file = QString::fromStdString(test::writeFile(m_dir, "broken.json", broken));
        Run bad = cli({"experiment", "validate", file});
        QCOMPARE(bad.exitCode, 2);
        QVERIFY2(bad.err.contains(file.toUtf8() + ": sedes") || bad.err.contains("sedes"), bad.err.constData());

        // The emergent-misalignment template parses, judge templates read from their files, and
        // validate names the paths still to fill in (and only those: its questions ship).
        QString misalignment = test::sourcePath("datasets/experiments/emergent-misalignment.json");
        Run unfilled = cli({"experiment", "validate", misalignment});
        QCOMPARE(unfilled.exitCode, 2);
        QVERIFY2(unfilled.err.contains("base_model.path: no such file or folder") &&
                     unfilled.err.contains("FILL-IN/your-instruct-model") &&
                     unfilled.err.contains("train_data.path: no such file or folder") &&
                     !unfilled.err.contains("evaluation.questions.path") && !unfilled.err.contains("template"),
                 unfilled.err.constData());
    }
};

QTEST_GUILESS_MAIN(TestCliResults)
#include "test_cli_results.moc"
