// Two real processes on one store: a writer child appends whole steps while this process
// reads. The reader must never see part of a step, and neither side may fail on a lock.
#include "test_support.h"

#include "store_test_data.h"

#include <QElapsedTimer>
#include <QFile>
#include <QProcess>

#include <set>

using namespace inoculab;
using store::ResultsStore;

class TestStoreConcurrency : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

private Q_SLOTS:
    // Opening a store this process already has open must not drop this process's locks on it:
    // POSIX drops all of a process's locks on a file when any descriptor of it closes. Seen
    // from outside: another process that closes the store last checkpoints and deletes the
    // WAL, which it may only do when no one else holds the store open. With this process's
    // lock dropped it would, under this process's open connection (which then reads
    // "database disk image is malformed", as the GUI did while `experiment collect` ran).
    void openingTheStoreAgainKeepsThisProcessLocks() {
        const std::string file = m_dir.filePath("reopened.sqlite").toStdString();
        ResultsStore open = ResultsStore::open(file);
        const std::int64_t run = open.createRun(open.registerExperiment(test::toyRegistration()), "baseline", 0);
        QVERIFY(QFile::exists(QString::fromStdString(file + "-wal")));
        { ResultsStore again = ResultsStore::open(file, ResultsStore::Access::ReadOnly); }
        QProcess other;  // opens the store, writes nothing, closes it
        other.start(QStringLiteral(STORE_WRITER_CHILD), {QString::fromStdString(file), QString::number(run), "0", "1"});
        QVERIFY(other.waitForFinished(60000));
        QCOMPARE(other.exitCode(), 0);
        QVERIFY2(QFile::exists(QString::fromStdString(file + "-wal")),
                 "the other process checkpointed and removed the WAL under this process's open store");
        QCOMPARE(open.runs().size(), std::size_t(1));
    }

    void readerNeverSeesAPartialStep() {
        constexpr int kSteps = 600, kMetrics = 40;
        std::string file = m_dir.filePath("shared.sqlite").toStdString();
        std::int64_t run;
        {
            ResultsStore writerSetup = ResultsStore::open(file);
            run = writerSetup.createRun(writerSetup.registerExperiment(test::toyRegistration()), "baseline", 0);
        }
        QProcess writer;
        writer.start(QStringLiteral(STORE_WRITER_CHILD),
                     {QString::fromStdString(file), QString::number(run), QString::number(kSteps),
                      QString::number(kMetrics)});
        QVERIFY(writer.waitForStarted());

        ResultsStore reader = ResultsStore::open(file, ResultsStore::Access::ReadOnly);
        store::Database &db = reader.database();
        // Per step: metric count, min and max value; samples and scores likewise.
        store::Statement metrics(db,
                                 "SELECT step, count(*), min(value), max(value) FROM metrics WHERE run_id = ?1 "
                                 "GROUP BY step");
        store::Statement scores(db,
                                "SELECT e.step, count(*), min(t.score), max(t.score) FROM eval_samples e "
                                "JOIN trait_scores t ON t.sample_id = e.id WHERE e.run_id = ?1 GROUP BY e.step");
        int reads = 0, partialViews = 0;
        std::set<std::int64_t> stepCountsSeen;
        qint64 slowestReadMs = 0;
        QElapsedTimer clock;
        while (writer.state() != QProcess::NotRunning || reads == 0) {
            clock.start();
            store::Transaction snapshot(db, false);  // one consistent view for both queries
            std::int64_t metricSteps = 0, scoreSteps = 0;
            metrics.bind(1, run);
            while (metrics.step()) {
                ++metricSteps;
                bool whole = metrics.integer(1) == kMetrics && metrics.real(2) == double(metrics.integer(0)) &&
                             metrics.real(3) == double(metrics.integer(0));
                partialViews += !whole;
            }
            metrics.reset();
            scores.bind(1, run);
            while (scores.step()) {
                ++scoreSteps;
                partialViews += scores.integer(1) != 6;
            }
            scores.reset();
            snapshot.commit();
            partialViews += metricSteps != scoreSteps;
            stepCountsSeen.insert(metricSteps);
            slowestReadMs = std::max(slowestReadMs, clock.elapsed());
            ++reads;
            writer.waitForFinished(2);
        }
        QCOMPARE(writer.exitStatus(), QProcess::NormalExit);
        QByteArray report = writer.readAllStandardOutput();
        QVERIFY2(writer.exitCode() == 0, writer.readAllStandardError().constData());
        qInfo("reader: %d snapshots, %zu distinct step counts, slowest read %lld ms; writer: %s", reads,
              stepCountsSeen.size(), slowestReadMs, report.trimmed().constData());
        QCOMPARE(partialViews, 0);
        // The reader really overlapped the writer: it saw the store at many different sizes.
        QVERIFY2(stepCountsSeen.size() > 5, "reader and writer did not run at the same time");
        // And at the end everything is there.
        store::Statement total(db, "SELECT count(DISTINCT step) FROM metrics WHERE run_id = ?1");
        total.bind(1, run);
        QVERIFY(total.step());
        QCOMPARE(total.integer(0), kSteps);
    }
};

QTEST_GUILESS_MAIN(TestStoreConcurrency)
#include "test_store_concurrency.moc"
