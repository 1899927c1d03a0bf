// The SLURM backend against a real one-node cluster (tests/support/slurm-test-cluster.sh, started
// by CTest before this suite; SLURM_CONF names it): the smoke experiment through
// `--backend slurm` gives what the local backend gives, bit for bit; a task cancelled with
// scancel, one killed, and one past its time-limit warning all end with their run done and
// resumed from its checkpoint; `experiment collect` is idempotent and never ingests a partial file.
#include "test_support.h"

#include "store/sqlite_db.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QThread>

#include <cstdio>
#include <functional>

namespace {

using inoculab::store::Database;
using inoculab::store::Statement;

struct Run {
    int exitCode = -1;
    QByteArray out, err;
};

Run runProgram(const QString &program, const QStringList &args, int timeoutMs) {
    QProcess process;
    process.start(program, args);
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished();
        qFatal("%s did not finish: %s", qPrintable(program), qPrintable(args.join(' ')));
    }
    return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1, process.readAllStandardOutput(),
            process.readAllStandardError()};
}

Run cli(const QStringList &args, int timeoutMs = 600000) {
    return runProgram(qEnvironmentVariable("INOCULAB_CLI"), args, timeoutMs);
}

QString smokeSpec() { return inoculab::test::sourcePath(QStringLiteral("tests/cli/data/smoke-experiment.json")); }

// Everything a run produced, one line per row with every number at full precision (%.17g
// round-trips a double), so two stores compare equal only when their results are bit-identical.
// Except tokens_per_s: a measurement of the machine's speed at the time, not a result.
QStringList resultRows(const QString &store, const QString &where = QStringLiteral("1")) {
    Database db(store.toStdString(), Database::Mode::ReadOnly);
    QStringList rows;
    auto number = [](double v) { return QString::asprintf("%.17g", v); };
    const QString run = "JOIN runs r ON r.id = x.run_id JOIN conditions c ON c.id = r.condition_id WHERE " + where;
    Statement metrics(db, ("SELECT c.name, r.seed, n.name, x.step, x.value FROM metrics x JOIN metric_names n ON "
                           "n.id = x.name_id " + run + " AND n.name != 'tokens_per_s' ORDER BY 1, 2, 3, 4").toStdString());
    while (metrics.step())
        rows << QString("metric %1 %2 %3 %4 %5")
                    .arg(QString::fromStdString(metrics.text(0)))
                    .arg(metrics.integer(1))
                    .arg(QString::fromStdString(metrics.text(2)))
                    .arg(metrics.integer(3))
                    .arg(number(metrics.real(4)));
    Statement probes(db, ("SELECT c.name, r.seed, x.probe, x.step, x.logprob FROM probe_logprobs x " + run +
                          " ORDER BY 1, 2, 3, 4").toStdString());
    while (probes.step())
        rows << QString("probe %1 %2 %3 %4 %5")
                    .arg(QString::fromStdString(probes.text(0)))
                    .arg(probes.integer(1))
                    .arg(QString::fromStdString(probes.text(2)))
                    .arg(probes.integer(3))
                    .arg(number(probes.real(4)));
    Statement samples(db, ("SELECT c.name, r.seed, x.step, x.context, x.question_index, x.sample_index, x.response, "
                           "(SELECT group_concat(t.trait || '=' || printf('%.17g', t.score), ',') FROM trait_scores t "
                           "WHERE t.sample_id = x.id) FROM eval_samples x " + run + " ORDER BY 1, 2, 3, 4, 5, 6")
                              .toStdString());
    while (samples.step())
        rows << QString("sample %1 %2 %3 %4 %5 %6 %7 [%8]")
                    .arg(QString::fromStdString(samples.text(0)))
                    .arg(samples.integer(1))
                    .arg(samples.integer(2))
                    .arg(QString::fromStdString(samples.text(3)))
                    .arg(samples.integer(4))
                    .arg(samples.integer(5))
                    .arg(QString::fromStdString(samples.text(6)))
                    .arg(samples.isNull(7) ? QString() : QString::fromStdString(samples.text(7)));
    return rows;
}

// condition/seed -> status, from the store.
QMap<QString, QString> runStatuses(const QString &store) {
    Database db(store.toStdString(), Database::Mode::ReadOnly);
    Statement s(db, "SELECT c.name, r.seed, r.status FROM runs r JOIN conditions c ON c.id = r.condition_id");
    QMap<QString, QString> out;
    while (s.step())
        out[QString::fromStdString(s.text(0)) + "/" + QString::number(s.integer(1))] = QString::fromStdString(s.text(2));
    return out;
}

// The `start` events of a run's events file: where each attempt began.
QList<int> startSteps(const QString &eventsFile) {
    QList<int> steps;
    for (const QByteArray &line : inoculab::test::readFile(eventsFile.toStdString()).split('\n')) {
        QJsonObject e = QJsonDocument::fromJson(line).object();
        if (e.value("event") == "start" && e.value("kind") == "finetune") steps << e.value("from_step").toInt();
    }
    return steps;
}

int lastStep(const QString &eventsFile) {
    int step = -1;
    for (const QByteArray &line : inoculab::test::readFile(eventsFile.toStdString()).split('\n')) {
        QJsonObject e = QJsonDocument::fromJson(line).object();
        if (e.value("event") == "step" && e.value("kind") != "pretrain") step = e.value("step").toInt();
    }
    return step;
}

// Waits until `ready` holds (checked every 200 ms), for at most `seconds`.
bool waitFor(const std::function<bool()> &ready, int seconds) {
    QElapsedTimer timer;
    timer.start();
    while (timer.elapsed() < seconds * 1000) {
        if (ready()) return true;
        QThread::msleep(200);
    }
    return ready();
}

}  // namespace

class TestCliSlurm : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    double m_stepsPerSecond = 0;  // of the long spec's finetuning here, measured by the reference run

    QString path(const QString &name) const { return m_dir.filePath(name); }

    // The smoke spec with `steps` finetuning steps and evaluations only at the start and end.
    QString longSpec(const QString &name, int steps) {
        QJsonObject spec = QJsonDocument::fromJson(inoculab::test::readFile(smokeSpec().toStdString())).object();
        QJsonObject training = spec.value("training").toObject();
        training["steps"] = steps;
        spec["training"] = training;
        QJsonObject evaluation = spec.value("evaluation").toObject();
        evaluation["every_steps"] = 0;
        spec["evaluation"] = evaluation;
        return QString::fromStdString(inoculab::test::writeFile(m_dir, name, QJsonDocument(spec).toJson()));
    }

    // Two threads per task, as the local backend gives its one worker on these two cores: the
    // thread count sets the summation order, so the same count is what makes results equal.
    QStringList slurmArgs(const QString &spec, const QString &work, const QString &store) const {
        return {"experiment", "run", spec, "--backend", "slurm", "--work-dir", work, "--store", store,
                "--progress", "none", "--cpus-per-task", "2"};
    }
    QStringList localArgs(const QString &spec, const QString &cache, const QString &store) const {
        return {"experiment", "run", spec, "--cache", cache, "--store", store, "--progress", "none", "--jobs", "1"};
    }

    // The task id of a run's latest submission, from the work folder's record.
    static QString taskOf(const QString &work, const QString &label) {
        QString task;
        for (const QByteArray &line : inoculab::test::readFile((work + "/submissions.jsonl").toStdString()).split('\n')) {
            QJsonObject s = QJsonDocument::fromJson(line).object();
            QJsonArray runs = s.value("runs").toArray();
            for (int i = 0; i < runs.size(); ++i)
                if (runs[i].toString() == label) task = s.value("job").toString() + "_" + QString::number(i);
        }
        return task;
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY2(!qEnvironmentVariable("SLURM_CONF").isEmpty(),
                 "SLURM_CONF is not set: run this suite through ctest, which starts the test cluster");
        Run sinfo = runProgram("sinfo", {"--noheader", "--format=%T"}, 30000);
        QVERIFY2(sinfo.exitCode == 0 && sinfo.out.contains("idle"), sinfo.err.constData());
    }

    void smokeExperimentMatchesTheLocalBackendBitForBit() {
        const QString work = path("smoke-work"), store = path("smoke-slurm.sqlite");
        Run slurm = cli(slurmArgs(smokeSpec(), work, store));
        QVERIFY2(slurm.exitCode == 0, slurm.err.constData());
        // MaxArraySize is 5 on the test cluster: 8 runs are two array jobs, after the pretraining job.
        QVERIFY2(slurm.err.contains("8 runs submitted"), slurm.err.constData());
        QCOMPARE(slurm.err.count("array job "), 2);
        QVERIFY(slurm.err.contains("pretraining the toy base model: job "));
        QCOMPARE(QDir(work + "/results").entryList({"*.sqlite"}, QDir::Files).size(), 8);

        Run local = cli(localArgs(smokeSpec(), path("smoke-cache"), path("smoke-local.sqlite")));
        QVERIFY2(local.exitCode == 0, local.err.constData());
        const QStringList expected = resultRows(path("smoke-local.sqlite"));
        QVERIFY(expected.size() > 8 * 3);
        QCOMPARE(resultRows(store), expected);
        for (const QString &status : runStatuses(store)) QCOMPARE(status, QString("done"));

        // The same command again submits nothing and changes nothing.
        Run again = cli(slurmArgs(smokeSpec(), work, store));
        QVERIFY2(again.exitCode == 0, again.err.constData());
        QVERIFY2(again.err.contains("0 runs submitted") && again.err.contains("8 already done"), again.err.constData());
        QCOMPARE(resultRows(store), expected);
    }

    void collectIsIdempotentAndSkipsAHalfWrittenFile() {
        // A work folder holding one complete result file and one half-written one.
        const QString work = path("collect-work"), store = path("collect.sqlite");
        QVERIFY(QDir().mkpath(work + "/results"));
        const QString done = path("smoke-work") + "/results/baseline-seed0.sqlite";
        const QString other = path("smoke-work") + "/results/baseline-seed1.sqlite";
        QVERIFY(QFile::copy(done, work + "/results/baseline-seed0.sqlite"));
        QByteArray whole = inoculab::test::readFile(other.toStdString());
        QVERIFY(whole.size() > 8192);
        QFile half(work + "/results/baseline-seed1.sqlite");
        QVERIFY(half.open(QIODevice::WriteOnly));
        half.write(whole.left(whole.size() / 2));
        half.close();

        const QStringList collect{"experiment", "collect", smokeSpec(), "--work-dir", work, "--store", store, "--json"};
        Run first = cli(collect);
        QVERIFY2(first.exitCode == 0, first.err.constData());
        QJsonObject counts = QJsonDocument::fromJson(first.out).object();
        QCOMPARE(counts.value("ingested").toInt(), 1);
        QCOMPARE(counts.value("incomplete").toInt(), 1);
        const QStringList once = resultRows(store);
        QCOMPARE(once, resultRows(path("smoke-local.sqlite"), "c.name = 'baseline' AND r.seed = 0"));
        QVERIFY(resultRows(store, "r.seed = 1").isEmpty());  // nothing of the partial run
        QVERIFY(!runStatuses(store).contains("baseline/1"));

        Run second = cli(collect);
        QVERIFY2(second.exitCode == 0, second.err.constData());
        counts = QJsonDocument::fromJson(second.out).object();
        QCOMPARE(counts.value("ingested").toInt(), 0);
        QCOMPARE(counts.value("already_in_store").toInt(), 1);
        QCOMPARE(resultRows(store), once);

        // Once complete, it is ingested.
        QVERIFY(QFile::remove(work + "/results/baseline-seed1.sqlite"));
        QVERIFY(QFile::copy(other, work + "/results/baseline-seed1.sqlite"));
        Run third = cli(collect);
        QCOMPARE(QJsonDocument::fromJson(third.out).object().value("ingested").toInt(), 1);
        QCOMPARE(resultRows(store),
                 resultRows(path("smoke-local.sqlite"), "c.name = 'baseline'"));
    }

    void scancelledTaskResumesFromItsCheckpointWithTheSameResults() {
        const QString spec = longSpec("long.json", 3000);
        const QStringList one{"--conditions", "baseline", "--seeds", "0", "--checkpoint-seconds", "0"};
        QElapsedTimer timer;
        timer.start();
        Run local = cli(localArgs(spec, path("long-cache"), path("long-local.sqlite")) + one);
        QVERIFY2(local.exitCode == 0, local.err.constData());
        m_stepsPerSecond = 3000.0 / (static_cast<double>(timer.elapsed()) / 1000.0);  // includes pretraining: a lower bound

        const QString work = path("scancel-work"), store = path("scancel.sqlite");
        QProcess waiting;
        waiting.start(qEnvironmentVariable("INOCULAB_CLI"), slurmArgs(spec, work, store) + one);
        QVERIFY(waiting.waitForStarted());
        const QString events = work + "/events/baseline-seed0.jsonl";
        QVERIFY2(waitFor([&] { return lastStep(events) >= 20; }, 240), "the task never reached step 20");
        const QString task = taskOf(work, "baseline-seed0");
        QVERIFY(!task.isEmpty());
        Run cancel = runProgram("scancel", {task}, 30000);
        QVERIFY2(cancel.exitCode == 0, cancel.err.constData());
        QVERIFY(waiting.waitForFinished(240000));
        const QByteArray said = waiting.readAllStandardError();
        QVERIFY2(waiting.exitCode() != 0 && said.contains("cancelled"), said.constData());
        QVERIFY2(lastStep(events) < 3000, "the run finished before scancel: the test did not exercise what it names");
        QCOMPARE(runStatuses(store).value("baseline/0"), QString("cancelled"));

        Run resumed = cli(slurmArgs(spec, work, store) + one);
        QVERIFY2(resumed.exitCode == 0, resumed.err.constData());
        const QList<int> starts = startSteps(events);
        QCOMPARE(starts.size(), 2);
        QCOMPARE(starts.first(), 0);
        QVERIFY2(starts.last() >= 20, qPrintable(QString::number(starts.last())));  // from its checkpoint
        QCOMPARE(resultRows(store), resultRows(path("long-local.sqlite")));
    }

    void killedTaskIsReportedFailedWithItsLogAndARerunCompletes() {
        const QString spec = longSpec("long.json", 3000);
        const QStringList one{"--conditions", "baseline", "--seeds", "1", "--checkpoint-seconds", "0"};
        const QString work = path("kill-work"), store = path("kill.sqlite");
        QProcess waiting;
        waiting.start(qEnvironmentVariable("INOCULAB_CLI"), slurmArgs(spec, work, store) + one);
        QVERIFY(waiting.waitForStarted());
        const QString events = work + "/events/baseline-seed1.jsonl";
        QVERIFY2(waitFor([&] { return lastStep(events) >= 20; }, 240), "the task never reached step 20");
        // The worker dies as from the kernel's OOM killer: no checkpoint, no goodbye.
        Run kill = runProgram("pkill", {"-KILL", "-f", work + "/jobs/baseline-seed1.job.json"}, 30000);
        QCOMPARE(kill.exitCode, 0);
        QVERIFY(waiting.waitForFinished(240000));
        const QByteArray said = waiting.readAllStandardError();
        QVERIFY2(waiting.exitCode() != 0, said.constData());
        QVERIFY2(said.contains("failed") && said.contains("exit code 137"), said.constData());
        QVERIFY2(said.contains("worker exited with code 137"), said.constData());  // the log's tail
        QCOMPARE(runStatuses(store).value("baseline/1"), QString("failed"));

        Run rerun = cli(slurmArgs(spec, work, store) + one);
        QVERIFY2(rerun.exitCode == 0, rerun.err.constData());
        QCOMPARE(runStatuses(store).value("baseline/1"), QString("done"));
        QCOMPARE(startSteps(events).size(), 2);
    }

    void taskPastItsTimeLimitWarningCheckpointsRequeuesAndFinishes() {
        QVERIFY2(m_stepsPerSecond > 0, "needs the reference run's speed");
        // A 2-minute limit with the warning 60 s before it: SLURM signals 60-90 s into the
        // attempt (it checks time limits every 30 s, so it may also signal up to that much
        // early). Training for 180 s at the speed measured here (a lower bound: it includes
        // pretraining) cannot end before that warning even if this task runs half again as
        // fast as the reference did, so the first attempt is certainly interrupted.
        const int steps = static_cast<int>(m_stepsPerSecond * 180);
        const QString spec = longSpec("time-limit.json", steps);
        const QString work = path("time-work"), store = path("time.sqlite");
        QProcess waiting;
        waiting.start(qEnvironmentVariable("INOCULAB_CLI"),
                      slurmArgs(spec, work, store) + QStringList{"--conditions", "control", "--seeds", "0", "--time", "2",
                                                                 "--warning-seconds", "60", "--checkpoint-seconds", "0"});
        QVERIFY(waiting.waitForStarted());
        const QString logFile = work + "/logs/control-seed0.log";
        QVERIFY2(waitFor([&] { return inoculab::test::readFile(logFile.toStdString()).contains("requeued"); }, 400),
                 "the task was never requeued at its warning");
        // Back in the queue. How long the second attempt then needs depends on this machine's
        // load, which no fixed limit can know: give it the time it needs, as a user would with
        // `scontrol update`, so the test asserts the resumption and not the machine's speed.
        const QString task = taskOf(work, "control-seed0");
        QVERIFY(!task.isEmpty());
        QVERIFY2(waitFor([&] {
                     Run q = runProgram("squeue", {"--noheader", "--array", "--jobs=" + task, "--format=%T"}, 30000);
                     return q.out.trimmed() == "PENDING";
                 }, 60),
                 "the requeued task never showed as pending");
        Run extend = runProgram("scontrol", {"update", "JobId=" + task, "TimeLimit=30"}, 30000);
        QVERIFY2(extend.exitCode == 0, extend.err.constData());
        QVERIFY(waiting.waitForFinished(1200000));
        const QByteArray said = waiting.readAllStandardError();
        QVERIFY2(waiting.exitCode() == 0, said.constData());
        QCOMPARE(runStatuses(store).value("control/0"), QString("done"));
        const QByteArray log = inoculab::test::readFile(logFile.toStdString());
        QVERIFY2(log.contains("checkpointed before the time limit; requeued"), log.constData());
        const QList<int> starts = startSteps(work + "/events/control-seed0.jsonl");
        QVERIFY2(starts.size() == 2 && starts.last() > 0, log.constData());
        qInfo("%d steps: the second attempt from step %d", steps, starts.last());
    }
};

QTEST_GUILESS_MAIN(TestCliSlurm)
#include "test_cli_slurm.moc"
