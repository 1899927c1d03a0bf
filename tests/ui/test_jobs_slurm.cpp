// The Jobs workspace running on a SLURM cluster (the real one-node test cluster CTest starts;
// SLURM_CONF names it): a saved cluster profile in "Run on", two runs submitted from the
// window, their SLURM states as the table shows them (PENDING with its reason while the base
// model pretrains, RUNNING on the node), the task's log and loss curve while it trains, one
// cancelled with scancel and resubmitted (it resumes from its checkpoint), and both collected
// into the store by the window itself.
#include "test_support.h"

#include "screenshots.h"
#include "stall_meter.h"

#include "jobs/cluster_profile.h"
#include "jobs/cluster_profile_dialog.h"
#include "jobs/cluster_runner.h"
#include "jobs/jobs_workspace.h"
#include "jobs/loss_chart.h"
#include "main_window.h"

#include "store/results_store.h"

#include <QApplication>
#include <QComboBox>
#include <QSysInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPlainTextEdit>
#include <QSettings>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableWidget>

using namespace inoculab;
using ui::ClusterProfile;
using ui::JobsWorkspace;
using ui::MainWindow;

namespace {

constexpr int kSteps = 6000;  // long enough to be seen running and cancelled halfway

// The `start` events of a run's events file: where each attempt began.
QList<int> startSteps(const QString &eventsFile) {
    QList<int> steps;
    for (const QByteArray &line : test::readFile(eventsFile.toStdString()).split('\n')) {
        QJsonObject e = QJsonDocument::fromJson(line).object();
        if (e.value("event") == "start" && e.value("kind") == "finetune") steps << e.value("from_step").toInt();
    }
    return steps;
}

QString storedStatus(const QString &store, const char *condition, std::uint64_t seed) {
    store::ResultsStore s = store::ResultsStore::open(store.toStdString(), store::ResultsStore::Access::ReadOnly);
    for (const store::RunRecord &r : s.runs())
        if (r.condition == condition && r.seed == seed) return QString::fromUtf8(store::runStatusName(r.status).data(), qsizetype(store::runStatusName(r.status).size()));
    return {};
}

}  // namespace

class TestJobsSlurm : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QString m_spec;

    QString path(const char *name) const { return m_dir.filePath(QLatin1String(name)); }

    const ui::ClusterRun *clusterRun(JobsWorkspace *jobs, const char *condition) const {
        return jobs->clusterRunner()->find(QString::fromLatin1(condition), 0);
    }
    // The real event loop (the window's QProcesses and timers must run), for at most `ms`.
    static bool spin(const std::function<bool()> &ready, int ms) { return test::spinUntil(ready, ms); }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY2(!qEnvironmentVariable("SLURM_CONF").isEmpty(),
                 "SLURM_CONF is not set: run this suite through ctest, which starts the test cluster");
        QStandardPaths::setTestModeEnabled(true);
        QApplication::setOrganizationName(QStringLiteral("InoculabTests"));
        QApplication::setApplicationName(QStringLiteral("test_jobs_slurm"));
        QSettings().clear();
        QString smoke = test::sourcePath(QStringLiteral("tests/cli/data/smoke-experiment.json"));
        QJsonObject spec = QJsonDocument::fromJson(test::readFile(smoke.toStdString())).object();
        QJsonObject training = spec.value("training").toObject();
        training["steps"] = kSteps;
        spec["training"] = training;
        QJsonObject evaluation = spec.value("evaluation").toObject();
        evaluation["every_steps"] = 0;
        spec["evaluation"] = evaluation;
        m_spec = QString::fromStdString(test::writeFile(m_dir, "cluster.json", QJsonDocument(spec).toJson()));
    }

    void aProfileIsEditedAndRefusedWhenIncomplete() {
        ClusterProfile incomplete;
        incomplete.name = QStringLiteral("lab cluster");
        incomplete.workDir = QStringLiteral("relative/dir");
        QVERIFY(incomplete.problem().contains("absolute"));
        ui::ClusterProfileDialog dialog(incomplete);
        dialog.show();
        dialog.accept();  // refused: the dialog stays open and says why
        QVERIFY(dialog.isVisible());
        QCOMPARE(dialog.result(), int(QDialog::Rejected));

        ClusterProfile gpu;
        gpu.name = QStringLiteral("gpu partition");
        gpu.workDir = QStringLiteral("/shared/sweeps");
        gpu.partition = QStringLiteral("gpu");
        gpu.gres = QStringLiteral("gpu:1");
        gpu.time = QStringLiteral("04:00:00");
        gpu.mem = QStringLiteral("64G");
        gpu.cpusPerTask = 8;
        gpu.sbatchArgs = {QStringLiteral("--account=safety"), QStringLiteral("--qos=long")};
        QCOMPARE(gpu.runArguments(),
                 QStringList({"--backend", "slurm", "--work-dir", "/shared/sweeps", "--cpus-per-task", "8",
                              "--partition", "gpu", "--gres", "gpu:1", "--time", "04:00:00", "--mem", "64G",
                              "--sbatch-arg=--account=safety", "--sbatch-arg=--qos=long"}));
        ui::ClusterProfileDialog shown(gpu);
        shown.show();
        QCOMPARE(shown.profile().runArguments(), gpu.runArguments());  // what it edits round-trips
        test::saveScreenshot(&shown, QStringLiteral("cluster_profile.png"));
    }

    void runsSubmittedFromTheWindowAreFollowedCancelledAndCollected() {
        ClusterProfile profile;
        profile.name = QStringLiteral("test cluster");
        profile.workDir = path("work");
        profile.cpusPerTask = 1;  // both runs at once on the test node's two CPUs
        ui::saveClusterProfiles({profile});

        const QString store = path("cluster.sqlite");
        MainWindow window;
        window.show();
        QVERIFY(window.openSpec(m_spec));
        QVERIFY(window.openStore(store));
        window.setCacheDir(path("local-cache"));
        window.workspaces()->setCurrentWidget(window.jobsWorkspace());
        JobsWorkspace *jobs = window.jobsWorkspace();
        jobs->reloadProfiles();
        QVERIFY(jobs->runOnBox()->findText("this computer") == 0);
        QVERIFY(jobs->setRunOn(profile.name));
        QCOMPARE(jobs->runOnBox()->currentText(), profile.name);
        QCOMPARE(QSettings().value("jobs/runOn").toString(), profile.name);
        jobs->clusterRunner()->setPollMilliseconds(500);

        QVERIFY(jobs->queueRuns({{"baseline", 0}, {"control", 0}}));
        // The arrays wait for the base model's pretraining job: SLURM's reason is shown.
        QVERIFY2(spin([&] { return jobs->stateOf("baseline", 0).startsWith("PENDING ("); }, 120000),
                 qPrintable(jobs->stateOf("baseline", 0) + " / " + jobs->message()));
        qInfo("while the base model pretrains: %s", qPrintable(jobs->stateOf("baseline", 0)));
        // What was submitted, one `experiment run --no-wait` per condition.
        QVERIFY2(spin([&] { return jobs->message().startsWith("control on test cluster: 1 runs submitted"); }, 60000),
                 qPrintable(jobs->message()));

        const QString host = QSysInfo::machineHostName().section('.', 0, 0);
        auto running = [&](const char *condition) {
            const ui::ClusterRun *run = clusterRun(jobs, condition);
            return run && run->state == "running" && run->step >= 20;
        };
        QVERIFY2(spin([&] { return running("baseline") && running("control"); }, 240000),
                 qPrintable(jobs->stateOf("baseline", 0) + " / " + jobs->stateOf("control", 0) + " / " +
                            jobs->message()));
        QCOMPARE(jobs->stateOf("control", 0), "RUNNING on " + host);
        const QString task = clusterRun(jobs, "control")->task;
        QVERIFY2(task.contains('_'), qPrintable(task));  // an array task

        // The table row: SLURM's state, the task, its step and loss from the events file.
        QTableWidget *table = jobs->table();
        int controlRow = -1;
        for (int r = 0; r < table->rowCount(); ++r)
            if (table->item(r, 0)->text() == "control" && table->item(r, 1)->text() == "0") controlRow = r;
        QVERIFY(controlRow >= 0);
        QCOMPARE(table->item(controlRow, 2)->text(), "RUNNING on " + host);
        QCOMPARE(table->item(controlRow, 7)->text(), "slurm " + task);
        QVERIFY(table->item(controlRow, 3)->text().endsWith(QString("/%1").arg(kSteps)));
        // Its log from the work folder, and its loss curve.
        table->selectRow(controlRow);
        QVERIFY(spin([&] { return jobs->logView()->toPlainText().contains("attempt 1 on " + host); }, 10000));
        QVERIFY(spin([&] { return jobs->lossChart()->pointCount("control/seed0") >= 20; }, 10000));
        test::saveScreenshot(&window, QStringLiteral("jobs_slurm.png"));

        jobs->cancelRun("control", 0);
        QVERIFY2(spin([&] { return jobs->stateOf("control", 0) == "CANCELLED"; }, 120000),
                 qPrintable(jobs->stateOf("control", 0)));
        QCOMPARE(startSteps(path("work/events/control-seed0.jsonl")).size(), 1);
        QCOMPARE(storedStatus(store, "control", 0), QString("cancelled"));

        // The other run goes on to the end, and the window collects it into the store.
        QVERIFY2(spin([&] { return jobs->stateOf("baseline", 0) == "COMPLETED"; }, 600000),
                 qPrintable(jobs->stateOf("baseline", 0)));
        QVERIFY(spin([&] { return storedStatus(store, "baseline", 0) == "done"; }, 10000));
        QVERIFY(jobs->lossChart()->pointCount("baseline/seed0") > 0);

        // Resubmitted, the cancelled run resumes from its checkpoint and completes.
        QVERIFY(jobs->queueRuns({{"control", 0}}));
        QVERIFY2(spin([&] { return jobs->stateOf("control", 0) == "COMPLETED"; }, 600000),
                 qPrintable(jobs->stateOf("control", 0) + " / " + jobs->message()));
        QVERIFY(spin([&] { return storedStatus(store, "control", 0) == "done"; }, 10000));
        const QList<int> starts = startSteps(path("work/events/control-seed0.jsonl"));
        QCOMPARE(starts.size(), 2);
        QVERIFY2(starts.last() >= 20, qPrintable(QString::number(starts.last())));
        // The loss curve holds each step once: the resumed attempt replaced nothing twice.
        QCOMPARE(clusterRun(jobs, "control")->losses.size(), kSteps);
        QVERIFY(clusterRun(jobs, "control")->losses.last().x() == kSteps);
        QVERIFY(spin([&] { return jobs->lossChart()->pointCount("control/seed0") == kSteps; }, 5000));  // its redraw
        test::saveScreenshot(&window, QStringLiteral("jobs_slurm_done.png"));
    }
};

QTEST_MAIN(TestJobsSlurm)
#include "test_jobs_slurm.moc"
