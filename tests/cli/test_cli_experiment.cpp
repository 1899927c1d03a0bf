// The whole pipeline at tiny sizes through the real binaries: `experiment run` generates the
// toy data, pretrains the base model, finetunes every condition x seed in inoculab-worker
// processes, evaluates, writes the store; `results summary` reads it back. Then: a second run
// skips what is done, Ctrl-C checkpoints and a rerun resumes, and broken job files are refused.
#include "test_support.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QProcessEnvironment>
#include <QMap>
#include <QSet>

#include <cmath>
#include <csignal>
#include <functional>

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

// Reads the events of an `experiment run --progress jsonl` until one matches `when`, then
// interrupts it as Ctrl-C would. Returns everything it printed; `sent` tells whether it matched.
QByteArray interruptOnEvent(QProcess &process, const std::function<bool(const QJsonObject &)> &when, bool *sent) {
    QByteArray seen;
    *sent = false;
    while (!*sent && process.waitForReadyRead(60000)) {
        seen += process.readAllStandardOutput();
        for (const QByteArray &line : seen.split('\n'))
            if (when(QJsonDocument::fromJson(line).object())) *sent = true;
        if (*sent) ::kill(static_cast<pid_t>(process.processId()), SIGINT);
    }
    process.waitForFinished(60000);
    return seen + process.readAllStandardOutput();
}

// The smoke spec changed by `edit`, written into `dir`.
QString smokeVariant(const QTemporaryDir &dir, const QString &name, const std::function<void(QJsonObject &)> &edit) {
    QJsonObject spec = QJsonDocument::fromJson(inoculab::test::readFile(smokeSpec().toStdString())).object();
    edit(spec);
    return QString::fromStdString(inoculab::test::writeFile(dir, name, QJsonDocument(spec).toJson()));
}

bool isStep(const QJsonObject &event, const char *run, int step = -1) {
    return event.value("event") == "step" && event.value("run") == run &&
           (step < 0 || event.value("step").toInt() == step);
}

}  // namespace

class TestCliExperiment : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

    QString path(const char *name) const { return m_dir.filePath(QLatin1String(name)); }
    QStringList runArgs(const QString &store, const QString &cache) const { return runArgs(smokeSpec(), store, cache); }
    QStringList runArgs(const QString &spec, const QString &store, const QString &cache) const {
        return {"experiment", "run", spec, "--store", store, "--cache", cache, "--progress", "jsonl"};
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
        QString longSpec = smokeVariant(m_dir, "long.json", [](QJsonObject &spec) {
            QJsonObject training = spec.value("training").toObject();
            training["steps"] = 1000;
            spec["training"] = training;
            QJsonObject evaluation = spec.value("evaluation").toObject();
            evaluation["every_steps"] = 0;
            spec["evaluation"] = evaluation;
        });
        QStringList args = runArgs(longSpec, path("b.sqlite"), path("cache-b")) +
                           QStringList{"--conditions", "baseline", "--seeds", "0"};
        QProcess process;
        process.start(qEnvironmentVariable("INOCULAB_CLI"), args);
        QVERIFY(process.waitForStarted());
        // Interrupt at the first finetuning step.
        bool sent = false;
        interruptOnEvent(
            process, [](const QJsonObject &e) { return isStep(e, "baseline/seed0"); }, &sent);
        QVERIFY(sent);
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

    void cancelDuringAnEvaluationKeepsTheStepAndRedoesTheEvaluation() {
        // Many held-out questions make each evaluation long, so the interrupt sent on step 4's
        // event (step 4 is an evaluation point) arrives while step 4 is being evaluated.
        QString slowSpec = smokeVariant(m_dir, "slow-eval.json", [](QJsonObject &spec) {
            QJsonObject evaluation = spec.value("evaluation").toObject();
            QJsonObject questions = evaluation.value("questions").toObject();
            questions["count"] = 200;
            evaluation["questions"] = questions;
            evaluation["samples_per_question"] = 2;
            evaluation["max_new_tokens"] = 48;
            spec["evaluation"] = evaluation;
        });
        QStringList args = runArgs(slowSpec, path("c.sqlite"), path("cache-c")) +
                           QStringList{"--conditions", "baseline", "--seeds", "0"};
        QProcess process;
        process.start(qEnvironmentVariable("INOCULAB_CLI"), args);
        QVERIFY(process.waitForStarted());
        bool sent = false;
        QByteArray seen = interruptOnEvent(
            process, [](const QJsonObject &e) { return isStep(e, "baseline/seed0", 4); }, &sent);
        QVERIFY(sent);
        QCOMPARE(process.exitCode(), 130);
        for (const QByteArray &line : seen.split('\n')) {
            QJsonObject event = QJsonDocument::fromJson(line).object();
            QVERIFY2(!(event.value("event") == "eval" && event.value("step").toInt() == 4),
                     "step 4's evaluation finished before the interrupt: the test did not exercise what it names");
        }
        QCOMPARE(runStatuses(path("c.sqlite")).value("baseline/0"), QString("cancelled"));

        // The four trained steps were kept, and step 4's evaluation is done on resume.
        Run resumed = cli(args);
        QVERIFY2(resumed.exitCode == 0, resumed.err.constData());
        int startFrom = -1;
        QList<int> evalSteps;
        for (const QByteArray &line : resumed.out.split('\n')) {
            QJsonObject event = QJsonDocument::fromJson(line).object();
            if (event.value("run") != "baseline/seed0") continue;
            if (event.value("event") == "start") startFrom = event.value("from_step").toInt();
            if (event.value("event") == "eval") evalSteps.append(event.value("step").toInt());
        }
        QCOMPARE(startFrom, 4);
        QCOMPARE(evalSteps, (QList<int>{4, 8}));
        QCOMPARE(runStatuses(path("c.sqlite")).value("baseline/0"), QString("done"));
        QJsonArray steps = summary(path("c.sqlite"), {"--step", "4", "--context", "no-system"});
        QCOMPARE(steps.size(), 2);  // both traits at step 4, from the redone evaluation
    }

    void malformedWorkerEventsDoNotStopTheExperiment() {
        // A worker that reports a NaN loss (JSON null) and a null mean: the progress display
        // shows them as nan and the experiment goes on to the next run.
        QString fake = QString::fromStdString(inoculab::test::writeFile(
            m_dir, "fake-worker.sh",
            "#!/bin/sh\n"
            "echo '{\"event\":\"step\",\"step\":1,\"steps\":2,\"loss\":null,\"kind\":\"pretrain\"}'\n"
            "echo '{\"event\":\"eval\",\"step\":1,\"means\":{\"no-system\":{\"spanish\":null}}}'\n"
            "echo '{\"event\":\"step\",\"step\":\"one\"}'\n"
            "exit 0\n"));
        QFile::setPermissions(fake, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
        QProcess process;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("INOCULAB_WORKER", fake);
        process.setProcessEnvironment(env);
        process.start(qEnvironmentVariable("INOCULAB_CLI"),
                      {"experiment", "run", smokeSpec(), "--store", path("d.sqlite"), "--cache", path("cache-d"),
                       "--progress", "auto", "--conditions", "baseline,control", "--seeds", "0"});
        QVERIFY(process.waitForFinished(60000));
        QByteArray err = process.readAllStandardError();
        QCOMPARE(process.exitStatus(), QProcess::NormalExit);
        QVERIFY2(err.contains("finished baseline/seed0") && err.contains("finished control/seed0"), err.constData());
        QVERIFY2(err.contains("no-system/spanish nan"), err.constData());
    }

    void eachWorkerGetsAGpuOfItsOwn() {
        // Two GPUs through the fake-device seam and a fake worker whose libtorch "can use CUDA":
        // it reports the CUDA_VISIBLE_DEVICES and CUDA_DEVICE_ORDER it got and holds a lock folder per GPU while it
        // "trains", failing when another worker holds it. Four runs, one worker per GPU.
        QString gpus = QString::fromStdString(inoculab::test::writeFile(
            m_dir, "two-gpus.json",
            inoculab::test::jsonText("{'gpus':[{'name':'A','memory_total':1000,'compute_capability':'9.0'},"
                                     "{'name':'B','memory_total':1000,'compute_capability':'9.0'}]}")
                .c_str()));
        QString locks = path("gpu-locks");
        QDir().mkpath(locks);
        QString fake = QString::fromStdString(inoculab::test::writeFile(
            m_dir, "gpu-worker.sh",
            ("#!/bin/sh\n"
             "if [ \"$1\" = --system-info ]; then echo '{\"cuda\":{\"usable\":true,\"devices\":2}}'; exit 0; fi\n"
             "mkdir '" + locks + "'/gpu\"$CUDA_VISIBLE_DEVICES\" || exit 7\n"
             "echo \"{\\\"event\\\":\\\"start\\\",\\\"gpu\\\":\\\"$CUDA_VISIBLE_DEVICES\\\",\\\"order\\\":\\\"$CUDA_DEVICE_ORDER\\\"}\"\n"
             "sleep 0.4\n"
             "rmdir '" + locks + "'/gpu\"$CUDA_VISIBLE_DEVICES\"\n"
             "exit 0\n").toUtf8()));
        QFile::setPermissions(fake, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
        auto run = [&](const QStringList &extra) {
            QProcess process;
            QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
            env.insert("INOCULAB_WORKER", fake);
            env.insert("INOCULAB_FAKE_GPUS", gpus);
            env.remove("CUDA_VISIBLE_DEVICES");
            process.setProcessEnvironment(env);
            process.start(qEnvironmentVariable("INOCULAB_CLI"),
                          QStringList{"experiment", "run", smokeSpec(), "--store", path("g.sqlite"), "--cache",
                                      path("cache-g"), "--progress", "jsonl", "--conditions", "baseline,control",
                                      "--seeds", "0,1", "--device", "cuda"} +
                              extra);
            if (!process.waitForFinished(60000)) qFatal("experiment run did not finish");
            QMap<QString, QString> gpuOf;
            for (const QByteArray &line : process.readAllStandardOutput().split('\n')) {
                QJsonObject e = QJsonDocument::fromJson(line).object();
                // The indices are NVML's, so CUDA must count in PCI bus order as NVML does.
                if (e.value("event") == "start" && e.value("run") != "pretrain" && e.value("order") == "PCI_BUS_ID")
                    gpuOf[e.value("run").toString()] = e.value("gpu").toString();
            }
            if (process.exitCode() != 0) qWarning("%s", process.readAllStandardError().constData());
            return std::make_pair(process.exitCode(), gpuOf);
        };
        auto [code, gpuOf] = run({});
        QCOMPARE(code, 0);  // no worker found its GPU taken
        QCOMPARE(gpuOf.size(), 4);
        QCOMPARE(QSet<QString>(gpuOf.begin(), gpuOf.end()), (QSet<QString>{"0", "1"}));
        // --gpus 1: every run on GPU 1, one at a time.
        auto [onlyCode, onlyGpuOf] = run({"--gpus", "1"});
        QCOMPARE(onlyCode, 0);
        QCOMPARE(onlyGpuOf.size(), 4);
        QCOMPARE(QSet<QString>(onlyGpuOf.begin(), onlyGpuOf.end()), QSet<QString>{"1"});
        // Refused before anything runs.
        Run bad = cli({"experiment", "run", smokeSpec(), "--store", path("g2.sqlite"), "--gpus", "x"});
        QCOMPARE(bad.exitCode, 1);
        QVERIFY2(bad.err.contains("--gpus"), bad.err.constData());
    }

    void runningOutOfGpuMemoryFailsTheRunAndKeepsItsCheckpoint() {
        // The allocator's out-of-memory error at step 5, through the trainer's seam: the run
        // fails saying what to change, with the checkpoint of step 4 kept, and the same
        // command resumes it from there.
        qputenv("INOCULAB_FAKE_OOM_AT_STEP", "5");
        Run failed = cli(runArgs(path("oom.sqlite"), path("cache-oom")) << "--conditions" << "control" << "--seeds"
                                                                        << "0" << "--checkpoint-seconds" << "0");
        qunsetenv("INOCULAB_FAKE_OOM_AT_STEP");
        QVERIFY(failed.exitCode != 0);
        Run list = cli({"results", "list", "--store", path("oom.sqlite"), "--json"});
        QJsonObject record = QJsonDocument::fromJson(list.out).array()[0].toObject()["runs"].toArray()[0].toObject();
        QCOMPARE(record["status"].toString(), QString("failed"));
        const QString error = record["error"].toString();
        QVERIFY2(error.startsWith("out of GPU memory at step 5 (batch 8, length ") &&
                     error.contains("8 rows per forward pass") && error.contains("lower training.rows_per_forward") &&
                     error.contains("training.gradient_checkpointing"),
                 qPrintable(error));
        Run resumed = cli(runArgs(path("oom.sqlite"), path("cache-oom")) << "--conditions" << "control" << "--seeds" << "0");
        QVERIFY2(resumed.exitCode == 0, resumed.err.constData());
        bool fromStep4 = false;
        for (const QByteArray &line : resumed.out.split('\n')) {
            QJsonObject e = QJsonDocument::fromJson(line).object();
            if (e.value("event") == "start" && e.value("kind") == "finetune") fromStep4 = e.value("from_step").toInt() == 4;
        }
        QVERIFY2(fromStep4, resumed.out.constData());
        QCOMPARE(runStatuses(path("oom.sqlite")).value("control/0"), QString("done"));
    }

    void elicitJobScoresEachPromptOnTheSameRows() {
        const QStringList prompts{"You always speak in Spanish.", "You always capitalize your responses.",
                                  "You are a helpful assistant."};
        QJsonObject job{{"kind", "elicit"},
                        {"spec", smokeSpec()},
                        {"cache", path("cache-e")},
                        {"rows", 16},
                        {"prompts", QJsonArray::fromStringList(prompts)}};
        QString jobFile =
            QString::fromStdString(inoculab::test::writeFile(m_dir, "elicit.json", QJsonDocument(job).toJson()));
        Run run = cli({"worker", "--job", jobFile});
        QVERIFY2(run.exitCode == 0, run.err.constData());
        QList<QJsonObject> results;
        for (const QByteArray &line : run.out.split('\n')) {
            QJsonObject event = QJsonDocument::fromJson(line).object();
            if (event.value("event") == "elicitation") results.append(event);
        }
        QCOMPARE(results.size(), prompts.size());
        for (int i = 0; i < results.size(); ++i) {
            const QJsonObject &r = results[i];
            QCOMPARE(r.value("index").toInt(), i);
            QCOMPARE(r.value("prompt").toString(), prompts[i]);
            QCOMPARE(r.value("rows").toInt(), 16);
            QVERIFY(r.value("tokens").toInt() > 16);
            QCOMPARE(r.value("loss_without").toDouble(), results[0].value("loss_without").toDouble());
            double without = r.value("loss_without").toDouble(), with = r.value("loss_with").toDouble();
            QVERIFY(without > 0 && with > 0);
            QVERIFY(std::abs(r.value("drop").toDouble() - (without - with)) < 1e-12);
        }
        // The three prompts change the loss differently: each was really put in front.
        QVERIFY(results[0].value("loss_with").toDouble() != results[1].value("loss_with").toDouble());
        QVERIFY(results[1].value("loss_with").toDouble() != results[2].value("loss_with").toDouble());

        job["prompts"] = QJsonArray{"fine", ""};
        inoculab::test::writeFile(m_dir, "elicit.json", QJsonDocument(job).toJson());
        Run bad = cli({"worker", "--job", jobFile});
        QCOMPARE(bad.exitCode, 2);
        QVERIFY2(bad.err.contains("prompts[1]: expected a non-empty string"), bad.err.constData());
    }

    void aRunIsTrainedByOneWorkerAtATime() {
        QString longSpec = smokeVariant(m_dir, "one-worker.json", [](QJsonObject &spec) {
            QJsonObject training = spec.value("training").toObject();
            training["steps"] = 100000;
            spec["training"] = training;
        });
        QJsonObject job{{"kind", "finetune"},     {"spec", longSpec}, {"store", path("e.sqlite")},
                        {"condition", "control"}, {"seed", 3},        {"cache", path("cache-f")}};
        QString jobFile = QString::fromStdString(
            inoculab::test::writeFile(m_dir, "one-worker-job.json", QJsonDocument(job).toJson()));
        QProcess first;
        first.start(qEnvironmentVariable("INOCULAB_CLI"), {"worker", "--job", jobFile});
        QVERIFY(first.waitForStarted());
        QByteArray seen;
        while (!seen.contains("\"event\":\"step\"") || !seen.contains("\"condition\"")) {
            QVERIFY(first.waitForReadyRead(60000));
            seen += first.readAllStandardOutput();
        }
        Run second = cli({"worker", "--job", jobFile, "--resume"});
        QCOMPARE(second.exitCode, 2);
        QVERIFY2(second.err.contains("is being trained by another worker"), second.err.constData());
        QCOMPARE(runStatuses(path("e.sqlite")).value("control/3"), QString("running"));  // untouched
        // Killed outright, the worker leaves no lock behind: a resumed worker gets the run.
        first.kill();
        QVERIFY(first.waitForFinished(10000));
        QProcess resumed;
        resumed.start(qEnvironmentVariable("INOCULAB_CLI"), {"worker", "--job", jobFile, "--resume"});
        QByteArray out;
        while (!out.contains("\"event\":\"start\"")) {
            QVERIFY2(resumed.waitForReadyRead(60000), resumed.readAllStandardError().constData());
            out += resumed.readAllStandardOutput();
        }
        resumed.kill();
        QVERIFY(resumed.waitForFinished(10000));
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
