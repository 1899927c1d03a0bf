// The whole pipeline at tiny sizes through the real binaries: `experiment run` generates the
// toy data, pretrains the base model, finetunes every condition x seed in inoculab-worker
// processes, evaluates, writes the store; `results summary` reads it back. Then: a second run
// skips what is done, Ctrl-C checkpoints and a rerun resumes, and broken job files are refused.
#include "test_support.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSet>

#include <csignal>

namespace {

struct Run {
    int exitCode = -1;
    QByteArray out, err;
};

Run cli(const QStringList &args, int timeoutMs = 120000) {
    QProcess process;
    process.start(qEnvironmentVariable("INOCULAB_CLI"), args);
    if (!process.waitForFinished(timeoutMs)) qFatal("inoculab-cli did not finish: %s", qPrintable(args.join(' ')));
    return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1, process.readAllStandardOutput(),
            process.readAllStandardError()};
}

QString smokeSpec() { return inoculab::test::sourcePath(QStringLiteral("tests/cli/data/smoke-experiment.json")); }

QJsonArray summary(const QString &store, const QStringList &extra = {}) {
    Run run = cli(QStringList{"results", "summary", "--store", store, "--experiment", "smoke", "--json"} + extra);
    if (run.exitCode != 0) qWarning("%s", run.err.constData());
    return QJsonDocument::fromJson(run.out).array();
}

QMap<QString, QString> runStatuses(const QString &store) {
    Run run = cli({"results", "list", "--store", store, "--json"});
    QMap<QString, QString> out;
    for (const QJsonValue &e : QJsonDocument::fromJson(run.out).array())
        for (const QJsonValue &r : e.toObject().value("runs").toArray()) {
            QJsonObject o = r.toObject();
            out[o.value("condition").toString() + "/" + QString::number(o.value("seed").toInt())] =
                o.value("status").toString();
        }
    return out;
}

}  // namespace

class TestCliExperiment : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

    QString path(const char *name) const { return m_dir.filePath(QLatin1String(name)); }
    QStringList runArgs(const QString &store, const QString &cache) const {
        return {"experiment", "run", smokeSpec(), "--store", store, "--cache", cache, "--progress", "jsonl"};
    }

private Q_SLOTS:
    void wholePipelineEndsInTheSummary() {
        Run run = cli(runArgs(path("a.sqlite"), path("cache-a")));
        QVERIFY2(run.exitCode == 0, run.err.constData());
        // Events: one pretraining, then every run starts, evaluates at steps 0, 4, 8 and ends done.
        QSet<QString> done;
        int evals = 0;
        for (const QByteArray &line : run.out.split('\n')) {
            if (line.isEmpty()) continue;
            QJsonObject event = QJsonDocument::fromJson(line).object();
            QVERIFY2(!event.isEmpty(), line.constData());
            if (event.value("event") == "eval") ++evals;
            if (event.value("event") == "done" && event.value("status") == "done")
                done.insert(event.value("run").toString());
        }
        QCOMPARE(done.size(), 1 + 8);  // the base model and 4 conditions x 2 seeds
        QVERIFY(done.contains("pretrain"));
        QVERIFY(done.contains("inoc-caps/seed1"));
        QCOMPARE(evals, 8 * 3);

        QJsonArray rows = summary(path("a.sqlite"));
        QCOMPARE(rows.size(), 4 * 2 * 2);  // condition x context x trait
        for (const QJsonValue &value : rows) {
            QJsonObject row = value.toObject();
            QCOMPARE(row.value("n_seeds").toInt(), 2);
            QCOMPARE(row.value("per_seed").toArray().size(), 2);
            double mean = row.value("mean").toDouble();
            QVERIFY(mean >= 0 && mean <= 1);
        }
        // Step 0 is the base model: the same weights for every condition, so with no system
        // prompt every condition's step-0 samples score the same.
        QJsonArray base = summary(path("a.sqlite"), {"--step", "0", "--context", "no-system"});
        QCOMPARE(base.size(), 4 * 2);
        QMap<QString, double> byTrait;
        for (const QJsonValue &value : base) {
            QJsonObject row = value.toObject();
            QString trait = row.value("trait").toString();
            if (!byTrait.contains(trait)) byTrait[trait] = row.value("mean").toDouble();
            QCOMPARE(row.value("mean").toDouble(), byTrait[trait]);
        }
        for (const QString &status : runStatuses(path("a.sqlite"))) QCOMPARE(status, QString("done"));

        // Done runs are skipped: nothing is trained again.
        Run again = cli(runArgs(path("a.sqlite"), path("cache-a")));
        QCOMPARE(again.exitCode, 0);
        QVERIFY(!again.out.contains("\"step\""));
        QCOMPARE(summary(path("a.sqlite")), rows);
    }

    void interruptCheckpointsAndARerunResumes() {
        // The smoke spec with far more steps than the interrupt needs, so that the run cannot
        // finish before the signal arrives.
        QJsonObject spec = QJsonDocument::fromJson(inoculab::test::readFile(smokeSpec().toStdString())).object();
        QJsonObject training = spec.value("training").toObject();
        training["steps"] = 1000;
        spec["training"] = training;
        QJsonObject evaluation = spec.value("evaluation").toObject();
        evaluation["every_steps"] = 0;
        spec["evaluation"] = evaluation;
        QString longSpec = QString::fromStdString(
            inoculab::test::writeFile(m_dir, "long.json", QJsonDocument(spec).toJson()));
        QProcess process;
        QStringList args{"experiment", "run", longSpec, "--store", path("b.sqlite"), "--cache", path("cache-b"),
                         "--progress", "jsonl", "--conditions", "baseline", "--seeds", "0"};
        process.start(qEnvironmentVariable("INOCULAB_CLI"), args);
        QVERIFY(process.waitForStarted());
        // Interrupt at the first finetuning step, as Ctrl-C would.
        QByteArray seen;
        bool sent = false;
        while (!sent && process.waitForReadyRead(60000)) {
            seen += process.readAllStandardOutput();
            for (const QByteArray &line : seen.split('\n'))
                if (line.contains("\"event\":\"step\"") && line.contains("\"run\":\"baseline/seed0\"")) sent = true;
            if (sent) ::kill(static_cast<pid_t>(process.processId()), SIGINT);
        }
        QVERIFY(sent);
        QVERIFY(process.waitForFinished(60000));
        QCOMPARE(process.exitCode(), 130);
        QCOMPARE(runStatuses(path("b.sqlite")).value("baseline/0"), QString("cancelled"));

        Run resumed = cli(args);
        QVERIFY2(resumed.exitCode == 0, resumed.err.constData());
        QByteArray start;
        for (const QByteArray &line : resumed.out.split('\n'))
            if (line.contains("\"event\":\"start\"")) start = line;
        QJsonObject event = QJsonDocument::fromJson(start).object();
        QVERIFY2(event.value("from_step").toInt() > 0, start.constData());  // continued, not restarted
        QCOMPARE(runStatuses(path("b.sqlite")).value("baseline/0"), QString("done"));
    }

    void brokenJobFilesAreRefusedNamingTheField() {
        QString job = path("job.json");
        struct Case {
            const char *json, *message;
        };
        const Case cases[] = {
            {"{'kind':'finetune','spec':'s.json','cache':'c'}", "store: required key is missing"},
            {"{'kind':'train','spec':'s.json','cache':'c'}", "kind: expected one of pretrain, finetune"},
            {"{'kind':'pretrain','spec':'s.json','cache':'c','gpu':1}", "gpu: unknown key"},
            {"{'kind':'finetune','spec':'s.json','cache':'c','store':'x','condition':'a','seed':-1}",
             "seed: expected a non-negative integer"},
            {"{'kind':'pretrain'", "not valid JSON"},
        };
        for (const Case &c : cases) {
            inoculab::test::writeFile(m_dir, "job.json", QByteArray::fromStdString(inoculab::test::jsonText(c.json)));
            Run run = cli({"worker", "--job", job});
            QCOMPARE(run.exitCode, 2);
            QVERIFY2(run.err.contains(job.toUtf8()) && run.err.contains(c.message), run.err.constData());
        }
        Run missing = cli({"worker"});
        QCOMPARE(missing.exitCode, 1);
    }
};

QTEST_GUILESS_MAIN(TestCliExperiment)
#include "test_cli_experiment.moc"
