// The Jobs workspace shows a run it did not train from the store alone: a run of the smoke
// experiment trained by the CLI shows its last step, final train loss, mean tokens/s, how long
// it took and its device in the table, its stored record in the log pane, and its loss curve
// in the chart, each compared with the store's own numbers read here with SQL.
#include "test_support.h"

#include "screenshots.h"

#include "jobs/jobs_workspace.h"
#include "jobs/loss_chart.h"
#include "main_window.h"

#include "store/sqlite_db.h"

#include <QApplication>
#include <QPlainTextEdit>
#include <QProcess>
#include <QSettings>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableWidget>

using namespace inoculab;

class TestJobsHistory : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

private Q_SLOTS:
    void aRunTrainedByTheCliShowsItsStoredRecord() {
        QStandardPaths::setTestModeEnabled(true);
        QApplication::setOrganizationName(QStringLiteral("InoculabTests"));
        QApplication::setApplicationName(QStringLiteral("test_jobs_history"));
        QSettings().clear();
        const QString spec = test::sourcePath(QStringLiteral("tests/cli/data/smoke-experiment.json"));
        const QString store = m_dir.filePath("cli.sqlite");
        // Another cache than the window's: the window has no log of this run, only the store.
        QProcess cli;
        cli.start(qEnvironmentVariable("INOCULAB_CLI"),
                  {"experiment", "run", spec, "--store", store, "--cache", m_dir.filePath("cli-cache"), "--conditions",
                   "baseline", "--seeds", "0", "--progress", "none"});
        QVERIFY(cli.waitForFinished(300000));
        QVERIFY2(cli.exitCode() == 0, cli.readAllStandardError().constData());

        // The store's numbers, independently of the code under test.
        store::Database db(store.toStdString(), store::Database::Mode::ReadOnly);
        auto metric = [&](const char *sql) {
            store::Statement s(db, sql);
            return s.step() ? s.real(0) : -1.0;
        };
        const double lastStep = metric(
            "SELECT max(step) FROM metrics m JOIN metric_names n ON n.id = m.name_id WHERE n.name = 'train_loss'");
        const double finalLoss = metric(
            "SELECT value FROM metrics m JOIN metric_names n ON n.id = m.name_id WHERE n.name = 'train_loss' "
            "ORDER BY step DESC LIMIT 1");
        const double speed =
            metric("SELECT avg(value) FROM metrics m JOIN metric_names n ON n.id = m.name_id WHERE n.name = 'tokens_per_s'");
        const double points = metric(
            "SELECT count(*) FROM metrics m JOIN metric_names n ON n.id = m.name_id WHERE n.name = 'train_loss'");
        QVERIFY(lastStep > 0 && speed > 0 && points > 1);

        ui::MainWindow window;
        window.show();
        QVERIFY(window.openSpec(spec));
        QVERIFY(window.openStore(store));
        window.setCacheDir(m_dir.filePath("window-cache"));
        window.workspaces()->setCurrentWidget(window.jobsWorkspace());
        ui::JobsWorkspace *jobs = window.jobsWorkspace();
        QTableWidget *table = jobs->table();
        int row = -1;
        for (int r = 0; r < table->rowCount(); ++r)
            if (table->item(r, 0)->text() == "baseline" && table->item(r, 1)->text() == "0") row = r;
        QVERIFY(row >= 0);
        QCOMPARE(table->item(row, 2)->text(), QString("done"));
        QCOMPARE(table->item(row, 3)->text(), QString::number(qint64(lastStep)));
        QCOMPARE(table->item(row, 4)->text(), QString::number(finalLoss, 'f', 4));
        QCOMPARE(table->item(row, 5)->text(), QString::number(speed, 'f', 0));
        QVERIFY2(table->item(row, 6)->text().startsWith("took "), qPrintable(table->item(row, 6)->text()));
        QVERIFY2(table->item(row, 7)->text().startsWith("cpu") || table->item(row, 7)->text().startsWith("cuda"),
                 qPrintable(table->item(row, 7)->text()));
        QCOMPARE(jobs->stateOf("baseline", 1), QString("not started"));  // and no record for the rest

        table->selectRow(row);
        const QString log = jobs->logView()->toPlainText();
        QVERIFY2(log.startsWith("baseline/seed0: done on ") && log.contains(QString::number(finalLoss, 'f', 4)) &&
                     log.contains(" tokens/s") && log.contains("; took "),
                 qPrintable(log));
        // Drawn at the chart's next throttled redraw.
        QVERIFY(QTest::qWaitFor([&] { return jobs->lossChart()->pointCount("baseline/seed0") == int(points); }, 5000));
        test::saveScreenshot(&window, QStringLiteral("jobs_history.png"));
    }
};

QTEST_MAIN(TestJobsHistory)
#include "test_jobs_history.moc"
