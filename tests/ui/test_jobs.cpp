// The Jobs workspace with real worker processes: a tiny run reaches done; a run is cancelled
// (graceful: checkpointed) and resumed from its step; a worker killed with SIGKILL is
// reported with how it ended and resumed from its last checkpoint; a new window finds the
// same history in the store, the killed run shown as interrupted. The event loop's longest
// stall while jobs train and the loss chart updates is measured and printed.
#include "test_support.h"

#include "screenshots.h"
#include "stall_meter.h"
#include "tiny_checkpoint.h"
#include "tiny_tokenizer.h"

#include "dataset/conversation_view.h"
#include "prompts/condition_editor.h"
#include "prompts/inoculation_preview.h"
#include "prompts/prompts_workspace.h"

#include "jobs/job_runner.h"
#include "jobs/jobs_workspace.h"
#include "jobs/loss_chart.h"
#include "main_window.h"
#include "spec_document.h"
#include "system_info.h"

#include "store/results_store.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPlainTextEdit>
#include <QProcess>
#include <QSettings>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableWidget>
#include <QTimer>

#include <csignal>

using namespace inoculab;
using ui::JobRunner;
using ui::MainWindow;
using ui::RunJob;

namespace {

const RunJob *jobOf(MainWindow &window, const char *condition, std::uint64_t seed) {
    JobRunner *runner = window.jobsWorkspace()->runner();
    int index = runner->find(QString::fromLatin1(condition), seed);
    return index < 0 ? nullptr : runner->jobs()[std::size_t(index)].get();
}

bool waitForState(MainWindow &window, const char *condition, std::uint64_t seed, RunJob::State state,
                  int timeoutMs = 120000) {
    // The real event loop, not QTest::qWaitFor (its sleeps would count as stalls).
    return test::spinUntil(
        [&] {
            const RunJob *job = jobOf(window, condition, seed);
            return job && job->state == state;
        },
        timeoutMs);
}

bool waitForStep(MainWindow &window, const char *condition, std::uint64_t seed, std::int64_t step) {
    return test::spinUntil(
        [&] {
            const RunJob *job = jobOf(window, condition, seed);
            return job && job->state == RunJob::State::Running && job->step >= step;
        },
        120000);
}

}  // namespace

class TestJobs : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QString m_tinySpec, m_longSpec;

    QString path(const char *name) const { return m_dir.filePath(QLatin1String(name)); }

    void open(MainWindow &window, const QString &spec, const char *store) {
        window.show();
        QVERIFY(window.openSpec(spec));
        QVERIFY(window.openStore(path(store)));
        window.setCacheDir(path("cache"));
        window.workspaces()->setCurrentWidget(window.jobsWorkspace());
    }

private Q_SLOTS:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QApplication::setOrganizationName(QStringLiteral("InoculabTests"));
        QApplication::setApplicationName(QStringLiteral("test_jobs"));
        QSettings().clear();
        QString smoke = test::sourcePath(QStringLiteral("tests/cli/data/smoke-experiment.json"));
        QJsonObject spec = QJsonDocument::fromJson(test::readFile(smoke.toStdString())).object();
        m_tinySpec = QString::fromStdString(test::writeFile(m_dir, "tiny.json", QJsonDocument(spec).toJson()));
        // Long enough never to finish by itself in a test.
        QJsonObject training = spec.value("training").toObject();
        training["steps"] = 200000;
        spec["training"] = training;
        QJsonObject evaluation = spec.value("evaluation").toObject();
        evaluation["every_steps"] = 0;
        spec["evaluation"] = evaluation;
        m_longSpec = QString::fromStdString(test::writeFile(m_dir, "long.json", QJsonDocument(spec).toJson()));
    }

    void aTinyJobReachesDone() {
        MainWindow window;
        open(window, m_tinySpec, "tiny.sqlite");
        test::StallMeter stalls;
        stalls.start();
        QVERIFY(window.jobsWorkspace()->queueRuns({{"baseline", 0}}));
        QVERIFY(waitForState(window, "baseline", 0, RunJob::State::Done));
        const RunJob *job = jobOf(window, "baseline", 0);
        QCOMPARE(job->step, std::int64_t(8));
        QCOMPARE(job->losses.size(), 8);
        QVERIFY(job->device == "cpu" || job->device.startsWith("cuda"));
        // On the CPU the device column says why, as `system info --json` does.
        QProcess info;
        info.start(qEnvironmentVariable("INOCULAB_CLI"), {"system", "info", "--json"});
        QVERIFY(info.waitForFinished(60000));
        const QJsonValue why = QJsonDocument::fromJson(info.readAllStandardOutput()).object()["cuda"].toObject()["why_not"];
        QVERIFY(QTest::qWaitFor([] { return ui::SystemInfo::instance()->isReady(); }, 60000));
        QTableWidget *table = window.jobsWorkspace()->table();
        QString device;
        for (int row = 0; row < table->rowCount(); ++row)
            if (table->item(row, 0)->text() == "baseline" && table->item(row, 1)->text() == "0")
                device = table->item(row, 7)->text();
        if (job->device == "cpu" && why.isString())
            QCOMPARE(device, "cpu (" + why.toString() + ")");
        else
            QCOMPARE(device, job->device);
        // The chart catches up on its throttle timer.
        QVERIFY(QTest::qWaitFor([&] { return window.jobsWorkspace()->lossChart()->pointCount("baseline/seed0") == 8; },
                                5000));
        QCOMPARE(window.jobsWorkspace()->stateOf("baseline", 0), QString("done"));
        store::ResultsStore s = store::ResultsStore::open(path("tiny.sqlite").toStdString());
        bool done = false;
        for (const store::RunRecord &r : s.runs())
            done = done || (r.condition == "baseline" && r.seed == 0 && r.status == store::RunStatus::Done);
        QVERIFY(done);
        stalls.stop();
        qInfo("longest event-loop stall while a job trained: %.1f ms wall clock, %.1f ms less run-queue waits",
              stalls.maxGapMs(), stalls.maxOwnGapMs());
    }

    // A Hugging Face base (a tiny Qwen2 checkpoint with its tokenizer): the preview renders the
    // rows in its ChatML template and counts its BPE tokens; a LoRA job trains to done.
    void aHuggingFaceLoraJobReachesDone() {
        const std::string model = path("tiny-qwen2").toStdString();
        test::writeTinyCheckpoint("qwen2", model);
        test::writeTinyTokenizer(model);
        QJsonObject spec = QJsonDocument::fromJson(test::readFile(m_tinySpec.toStdString())).object();
        spec["base_model"] = QJsonObject{{"kind", "hf"}, {"path", QString::fromStdString(model)}};
        spec["training"] = QJsonObject{{"method", "lora"},       {"steps", 4},        {"batch_size", 4},
                                       {"learning_rate", 1e-3},  {"max_length", 200},
                                       {"lora", QJsonObject{{"rank", 4}, {"alpha", 8}}}};
        QString hfSpec = QString::fromStdString(test::writeFile(m_dir, "hf.json", QJsonDocument(spec).toJson()));

        MainWindow window;
        open(window, hfSpec, "hf.sqlite");
        ui::InoculationPreview *preview = window.promptsWorkspace()->preview();
        QVERIFY(QTest::qWaitFor([&] { return preview->rowCount() == 64; }, 30000));
        window.promptsWorkspace()->conditions()->selectCondition(1);  // inoc-spanish
        QString inoculated = preview->inoculatedView()->toPlainText();
        QVERIFY2(inoculated.contains("<|im_start|>system\nYou always speak in Spanish.<|im_end|>"),
                 qPrintable(inoculated));
        QVERIFY2(preview->tokenSummary().contains("tokens (+"), qPrintable(preview->tokenSummary()));
        window.workspaces()->setCurrentWidget(window.promptsWorkspace());
        test::saveScreenshot(&window, QStringLiteral("prompts_hf_chatml.png"));

        window.workspaces()->setCurrentWidget(window.jobsWorkspace());
        QVERIFY(window.jobsWorkspace()->queueRuns({{"inoc-spanish", 0}}));
        QVERIFY(waitForState(window, "inoc-spanish", 0, RunJob::State::Done));
        QCOMPARE(jobOf(window, "inoc-spanish", 0)->step, std::int64_t(4));
    }

    void aCancelledJobResumesFromItsStep() {
        MainWindow window;
        open(window, m_longSpec, "long.sqlite");
        window.jobsWorkspace()->setMaxParallel(2);
        test::StallMeter stalls;
        stalls.start();
        QVERIFY(window.jobsWorkspace()->queueRuns({{"control", 0}, {"baseline", 1}}));
        QVERIFY(waitForStep(window, "control", 0, 40));
        QVERIFY(waitForStep(window, "baseline", 1, 40));
        // Two more seconds of both training, the table and chart updating, then the numbers;
        // the checks and the screenshot below are the test's own work, not measured.
        test::spinUntil([] { return false; }, 2000);
        stalls.stop();
        qInfo(
            "longest event-loop stall while two jobs trained and the chart updated: %.1f ms wall clock, %.1f ms "
            "less run-queue waits",
            stalls.maxGapMs(), stalls.maxOwnGapMs());
        QVERIFY(window.jobsWorkspace()->lossChart()->seriesCount() == 2);
        // Points arrive far faster than the chart redraws: redraws are throttled.
        const RunJob *control = jobOf(window, "control", 0);
        QVERIFY2(window.jobsWorkspace()->lossChart()->redraws() < control->losses.size(),
                 qPrintable(QString("%1 redraws for %2 points")
                                .arg(window.jobsWorkspace()->lossChart()->redraws())
                                .arg(control->losses.size())));
        window.jobsWorkspace()->table()->selectRow(6);  // control/seed0: its log below
        QVERIFY(window.jobsWorkspace()->logView()->toPlainText().contains("finetuning 200000 steps from step 0"));
        test::saveScreenshot(&window, QStringLiteral("jobs_workspace.png"));

        window.jobsWorkspace()->cancelRun("control", 0);
        QVERIFY(waitForState(window, "control", 0, RunJob::State::Cancelled, 60000));
        const std::int64_t stoppedAt = jobOf(window, "control", 0)->step;
        QVERIFY2(jobOf(window, "control", 0)->message.contains("checkpointed at step"),
                 qPrintable(jobOf(window, "control", 0)->message));
        QVERIFY(window.jobsWorkspace()->queueRuns({{"control", 0}}));  // resume
        QVERIFY(waitForStep(window, "control", 0, stoppedAt + 5));
        QCOMPARE(jobOf(window, "control", 0)->fromStep, stoppedAt);  // continued, not restarted
        window.jobsWorkspace()->cancelRun("control", 0);
        window.jobsWorkspace()->cancelRun("baseline", 1);
        QVERIFY(waitForState(window, "control", 0, RunJob::State::Cancelled, 60000));
        QVERIFY(waitForState(window, "baseline", 1, RunJob::State::Cancelled, 60000));
    }

    void aKilledWorkerIsReportedAndResumable() {
        {
            MainWindow window;
            open(window, m_longSpec, "long.sqlite");
            window.jobsWorkspace()->runner()->setCheckpointSeconds(0);  // a checkpoint every step
            QVERIFY(window.jobsWorkspace()->queueRuns({{"inoc-caps", 1}}));
            QVERIFY(waitForStep(window, "inoc-caps", 1, 10));
            JobRunner *runner = window.jobsWorkspace()->runner();
            ::kill(pid_t(runner->processId(runner->find("inoc-caps", 1))), SIGKILL);
            QVERIFY(waitForState(window, "inoc-caps", 1, RunJob::State::Failed, 30000));
            QString note = window.jobsWorkspace()->noteOf("inoc-caps", 1);
            QVERIFY2(note.contains("killed"), qPrintable(note));
        }
        // A new window (the GUI restarted): the same history from the store.
        MainWindow again;
        open(again, m_longSpec, "long.sqlite");
        ui::JobsWorkspace *jobs = again.jobsWorkspace();
        QCOMPARE(jobs->stateOf("control", 0), QString("cancelled"));
        QCOMPARE(jobs->stateOf("baseline", 1), QString("cancelled"));
        QCOMPARE(jobs->stateOf("inoc-caps", 1), QString("interrupted — resumable"));
        // How far it got, from the store: the metrics it wrote before it was killed.
        int row = -1;
        for (int r = 0; r < jobs->table()->rowCount(); ++r)
            if (jobs->table()->item(r, 0)->text() == "inoc-caps" && jobs->table()->item(r, 1)->text() == "1") row = r;
        QVERIFY(row >= 0);
        // Killed after step 10's event, so step 9 at least was written (every step is, with a
        // checkpoint each step).
        QVERIFY2(jobs->table()->item(row, 3)->text().toInt() >= 9, qPrintable(jobs->table()->item(row, 3)->text()));
        QCOMPARE(jobs->stateOf("inoc-spanish", 0), QString("not started"));
        QVERIFY(jobs->queueRuns({{"inoc-caps", 1}}));
        QVERIFY(waitForStep(again, "inoc-caps", 1, 12));
        QVERIFY2(jobOf(again, "inoc-caps", 1)->fromStep >= 9, "resumed from its last checkpoint");
        jobs->cancelRun("inoc-caps", 1);
        QVERIFY(waitForState(again, "inoc-caps", 1, RunJob::State::Cancelled, 60000));
        QCOMPARE(jobs->stateOf("inoc-caps", 1), QString("cancelled"));
    }

    void queueingNeedsASavedSpec() {
        MainWindow window;
        open(window, m_tinySpec, "tiny.sqlite");
        experiment::ExperimentSpec edited = window.document()->spec();
        edited.seeds.push_back(7);
        window.document()->edit(edited, "add a seed");
        QVERIFY(!window.jobsWorkspace()->queueRuns({{"baseline", 7}}));
        QVERIFY(window.jobsWorkspace()->message().contains("Save the experiment first"));
        QVERIFY(window.jobsWorkspace()->runner()->jobs().empty());
        window.document()->undoStack()->undo();
    }

    void severalBaseModelsAreLeftToTheCli() {
        // The queue keys runs by condition and seed: a spec naming several base models is
        // refused, saying how to run it, and nothing is started.
        QJsonObject spec = QJsonDocument::fromJson(test::readFile(m_tinySpec.toStdString())).object();
        QJsonObject base = spec["base_model"].toObject();
        QJsonObject pretraining = base["pretraining"].toObject();
        pretraining.remove("seed");
        pretraining["seeds"] = QJsonArray{0, 1};
        base["pretraining"] = pretraining;
        spec["base_model"] = base;
        const QString file = QString::fromStdString(test::writeFile(m_dir, "bases.json", QJsonDocument(spec).toJson()));
        MainWindow window;
        open(window, file, "bases.sqlite");
        QVERIFY(!window.jobsWorkspace()->queueRuns({{"baseline", 0}}));
        QVERIFY2(window.jobsWorkspace()->message().contains("names 2 base models"),
                 qPrintable(window.jobsWorkspace()->message()));
        QVERIFY(window.jobsWorkspace()->message().contains("inoculab-cli experiment run"));
        QVERIFY(window.jobsWorkspace()->runner()->jobs().empty());
    }
};

QTEST_MAIN(TestJobs)
#include "test_jobs.moc"
