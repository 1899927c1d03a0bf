// The first run, as a new user meets it: the default experiment (spanish-caps) on an empty
// store. The navigator, Results and Jobs each say what is missing and offer to train the 12
// runs, with the time `experiment run --estimate` measures on this machine; "at most N at
// once" is what `experiment run` would use; the button queues every run and the banners
// follow. Screenshots of each empty state go to <build>/screenshots.
#include "test_support.h"

#include "screenshots.h"
#include "stall_meter.h"

#include "experiment_navigator.h"
#include "first_run_guide.h"
#include "jobs/job_runner.h"
#include "jobs/jobs_workspace.h"
#include "jobs/cluster_profile.h"
#include "main_window.h"
#include "results/results_workspace.h"

#include <QApplication>
#include <QLabel>
#include <QPushButton>
#include <QSettings>
#include <QStandardPaths>
#include <QTabWidget>
#include <QThread>

using namespace inoculab;
using ui::MainWindow;

class TestFirstRun : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

    QString path(const char *name) const { return m_dir.filePath(QLatin1String(name)); }

private Q_SLOTS:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QApplication::setOrganizationName(QStringLiteral("InoculabTests"));
        QApplication::setApplicationName(QStringLiteral("test_first_run"));
        QSettings().clear();
    }

    void anEmptyStoreSaysWhatToDoAndHowLong() {
        MainWindow window;
        window.resize(1440, 900);
        window.show();
        QVERIFY(window.openSpec(test::sourcePath(QStringLiteral("datasets/experiments/spanish-caps.json"))));
        QVERIFY(window.openStore(path("fresh.sqlite")));
        window.setCacheDir(path("cache"));  // no base model yet: the estimate includes pretraining
        ui::FirstRunGuide *guide = window.firstRunGuide();
        ui::JobsWorkspace *jobs = window.jobsWorkspace();

        // What `experiment run` would use on the CPU: one worker per core.
        const int cores = std::max(1, QThread::idealThreadCount());
        QCOMPARE(jobs->maxParallel(), cores);
        QVERIFY(test::spinUntil([guide] { return guide->estimateReady(); }, 180000));
        QVERIFY2(guide->estimateSeconds() > 0, qPrintable(guide->resultsText()));

        // Results: what is missing, and the one action, with the measured time.
        window.workspaces()->setCurrentWidget(window.resultsWorkspace());
        QVERIFY(guide->resultsBanner()->isVisible());
        const QString results = guide->resultsText();
        QVERIFY2(results.contains("No results yet for spanish-caps.") &&
                     results.contains(QString("Train its 12 runs here, %1 at a time: about ").arg(cores)) &&
                     results.contains("on this machine") && results.contains("per pretraining step"),
                 qPrintable(results));
        // Nothing to select, so nothing says to select one.
        for (const QLabel *label : window.resultsWorkspace()->findChildren<QLabel *>())
            QVERIFY2(!label->text().contains("Select an experiment"), qPrintable(label->text()));
        test::saveScreenshot(&window, QStringLiteral("first_run_results.png"));
        // The navigator has nothing to list and says so.
        QCOMPARE(window.navigator()->topLevelItemCount(), 0);
        QVERIFY(guide->navigatorBanner()->isVisible());
        QVERIFY2(guide->navigatorText().contains("This store holds no experiments yet"), qPrintable(guide->navigatorText()));
        // Jobs: none started, with the same estimate.
        window.workspaces()->setCurrentWidget(jobs);
        QVERIFY(guide->jobsBanner()->isVisible());
        QVERIFY2(guide->jobsText().contains(QString("None of the 12 runs of spanish-caps has started")) &&
                     guide->jobsText().contains(QString("at most %1 at once: about ").arg(cores)),
                 qPrintable(guide->jobsText()));
        test::saveScreenshot(&window, QStringLiteral("first_run_jobs.png"));
        // With a cluster profile chosen, the banner says where they would train and that the
        // estimate timed this machine, not the cluster's nodes.
        ui::saveClusterProfiles({ui::ClusterProfile{QStringLiteral("lab"), path("work"), {}, {}, {}, {}, 1, {}}});
        jobs->reloadProfiles();
        QVERIFY(jobs->setRunOn(QStringLiteral("lab")));
        QVERIFY2(guide->jobsText().contains("Train them on the cluster of profile lab (SLURM)") &&
                     guide->jobsText().contains("if this machine trained them (the nodes of lab may be faster or slower)"),
                 qPrintable(guide->jobsText()));
        QCOMPARE(guide->jobsBanner()->findChild<QPushButton *>()->text(), QString("Train the 12 runs on lab"));
        QVERIFY(jobs->setRunOn(QString()));
        QVERIFY2(guide->jobsText().contains("Train them on this computer"), qPrintable(guide->jobsText()));

        // The button trains them here: every run queued, and the banners say what happens now.
        window.workspaces()->setCurrentWidget(window.resultsWorkspace());
        guide->resultsBanner()->findChild<QPushButton *>()->click();
        QCOMPARE(window.workspaces()->currentWidget(), jobs);
        QCOMPARE(int(jobs->runner()->jobs().size()), 12);
        QVERIFY(!guide->jobsBanner()->isVisible());
        QVERIFY2(guide->resultsText().contains("spanish-caps is training:"), qPrintable(guide->resultsText()));
        jobs->runner()->cancelAll();
        QVERIFY(test::spinUntil(
            [jobs] {
                for (const auto &job : jobs->runner()->jobs())
                    if (job->isActive()) return false;
                return true;
            },
            120000));
    }
};

QTEST_MAIN(TestFirstRun)
#include "test_first_run.moc"
