// `experiment run --estimate`: how long the runs not yet done would take here, from rates an
// estimate worker measures now. Checked on the smoke experiment: what it counts (runs to do
// and done, the parallelism `run` would use, pretraining only while the base model is not
// cached, the evaluations a run makes with every_steps), that the total is the sum of its
// parts, that it trains nothing and leaves the store as it was, and the usage errors. The
// measured seconds themselves are the machine's and are not asserted.
#include "cli_run.h"
#include "test_support.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <cmath>
#include <thread>

namespace {

using Run = inoculab::test::CliRun;

QString smokeSpec() { return inoculab::test::sourcePath(QStringLiteral("tests/cli/data/smoke-experiment.json")); }

QJsonObject specJson() {
    return QJsonDocument::fromJson(inoculab::test::readFile(smokeSpec().toStdString())).object();
}

QByteArray digest(const QString &path) {
    return QCryptographicHash::hash(inoculab::test::readFile(path.toStdString()), QCryptographicHash::Sha256);
}

}  // namespace

class TestCliEstimate : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

    QString path(const char *name) const { return m_dir.filePath(QLatin1String(name)); }

    QJsonObject estimate(const QStringList &extra = {}) {
        Run run = inoculab::test::runCli(QStringList{"experiment", "run", smokeSpec(), "--store", path("s.sqlite"),
                                                     "--cache", path("cache"), "--estimate", "--json"} +
                                             extra,
                                         QProcessEnvironment::systemEnvironment(), 120000);
        if (run.exitCode != 0) qWarning("%s", run.err.constData());
        return run.exitCode == 0 ? QJsonDocument::fromJson(run.out).object() : QJsonObject();
    }

    // The total is pretraining (alone, first) plus the runs in waves of `parallel`.
    static void checkArithmetic(const QJsonObject &e) {
        const QJsonObject m = e["measured"].toObject();
        const double pretrain = m["pretrain_steps"].toDouble() * m["pretrain_seconds_per_step"].toDouble();
        const double perRun = m["finetune_steps"].toDouble() * m["finetune_seconds_per_step"].toDouble() +
                              m["evaluations_per_run"].toDouble() * m["evaluation_seconds"].toDouble();
        const int runs = e["runs_to_do"].toInt(), parallel = e["parallel"].toInt();
        const int waves = (runs + parallel - 1) / parallel;
        QCOMPARE(e["waves"].toInt(), waves);
        // The same products and sum in double as the CLI: equal up to the last bits of
        // JSON's 17-digit round trip (relative 1e-15).
        QVERIFY(std::abs(e["pretrain_seconds"].toDouble() - pretrain) <= 1e-15 * std::max(1.0, pretrain));
        QVERIFY(std::abs(e["seconds_per_run"].toDouble() - perRun) <= 1e-15 * std::max(1.0, perRun));
        const double total = pretrain + waves * perRun;
        QVERIFY(std::abs(e["total_seconds"].toDouble() - total) <= 1e-14 * std::max(1.0, total));
        QVERIFY(m["finetune_seconds_per_step"].toDouble() > 0);
        QVERIFY(m["evaluation_seconds"].toDouble() > 0);
    }

private Q_SLOTS:
    void countsWhatRunWouldDoAndSumsItsParts() {
        const QJsonObject spec = specJson();
        const int steps = spec["training"].toObject()["steps"].toInt();
        const int every = spec["evaluation"].toObject()["every_steps"].toInt();
        const int runs = spec["conditions"].toArray().size() * spec["seeds"].toArray().size();
        const int cores = int(std::max(1u, std::thread::hardware_concurrency()));
        // Evaluated at step 0, every `every` steps and at the last: counted here step by step.
        int evaluations = 0;
        for (int s = 0; s <= steps; ++s) evaluations += (s == 0 || s % every == 0 || s == steps);

        QJsonObject fresh = estimate();
        QCOMPARE(fresh["runs_to_do"].toInt(), runs);
        QCOMPARE(fresh["runs_done"].toInt(), 0);
        QCOMPARE(fresh["parallel"].toInt(), std::min(cores, runs));
        QCOMPARE(fresh["threads_per_run"].toInt(), 1);  // cores / one worker per core
        QCOMPARE(fresh["device"].toString(), QString("cpu"));
        QJsonObject m = fresh["measured"].toObject();
        QCOMPARE(m["base_model_cached"].toBool(), false);
        QCOMPARE(m["pretrain_steps"].toInt(), spec["base_model"].toObject()["pretraining"].toObject()["steps"].toInt());
        QVERIFY(m["pretrain_seconds_per_step"].toDouble() > 0);
        QCOMPARE(m["finetune_steps"].toInt(), steps);
        QCOMPARE(m["evaluations_per_run"].toInt(), evaluations);
        QCOMPARE(m["questions"].toInt(), spec["evaluation"].toObject()["questions"].toObject()["count"].toInt());
        checkArithmetic(fresh);
        // Nothing was trained or written: no store, no base model.
        QVERIFY(!QFile::exists(path("s.sqlite")));
        QVERIFY(QDir(path("cache") + "/base").entryList(QDir::Files | QDir::Dirs | QDir::NoDotAndDotDot).isEmpty());

        // --jobs 1: one wave per run, every core for the one worker.
        QJsonObject one = estimate({"--jobs", "1"});
        QCOMPARE(one["parallel"].toInt(), 1);
        QCOMPARE(one["threads_per_run"].toInt(), cores);
        QCOMPARE(one["waves"].toInt(), runs);
        checkArithmetic(one);

        // One run trained (and the base model with it): the rest, without pretraining.
        Run trained = inoculab::test::runCli({"experiment", "run", smokeSpec(), "--store", path("s.sqlite"), "--cache",
                                              path("cache"), "--conditions", "baseline", "--seeds", "0", "--progress",
                                              "none"},
                                             QProcessEnvironment::systemEnvironment(), 300000);
        QVERIFY2(trained.exitCode == 0, trained.err.constData());
        const QByteArray before = digest(path("s.sqlite"));
        QJsonObject rest = estimate();
        QCOMPARE(rest["runs_to_do"].toInt(), runs - 1);
        QCOMPARE(rest["runs_done"].toInt(), 1);
        m = rest["measured"].toObject();
        QCOMPARE(m["base_model_cached"].toBool(), true);
        QCOMPARE(m["pretrain_steps"].toInt(), 0);
        QCOMPARE(rest["pretrain_seconds"].toDouble(), 0.0);
        checkArithmetic(rest);
        QCOMPARE(digest(path("s.sqlite")), before);  // read, not written

        // The text form says the same in words.
        Run text = inoculab::test::runCli({"experiment", "run", smokeSpec(), "--store", path("s.sqlite"), "--cache",
                                           path("cache"), "--estimate"},
                                          QProcessEnvironment::systemEnvironment(), 120000);
        QCOMPARE(text.exitCode, 0);
        QVERIFY2(text.out.startsWith("about ") && text.out.contains(QByteArray::number(runs - 1) + " run(s)"),
                 text.out.constData());
    }

    void refusesWhatItCannotEstimate() {
        Run json = inoculab::test::runCli({"experiment", "run", smokeSpec(), "--store", path("u.sqlite"), "--json"});
        QCOMPARE(json.exitCode, 1);
        QVERIFY2(json.err.contains("--json: only with --estimate"), json.err.constData());
        Run slurm = inoculab::test::runCli({"experiment", "run", smokeSpec(), "--estimate", "--backend", "slurm",
                                            "--work-dir", path("w")});
        QCOMPARE(slurm.exitCode, 1);
        QVERIFY2(slurm.err.contains("--estimate: only for the local backend"), slurm.err.constData());
        QVERIFY(!QFile::exists(path("u.sqlite")));
    }
};

QTEST_GUILESS_MAIN(TestCliEstimate)
#include "test_cli_estimate.moc"
