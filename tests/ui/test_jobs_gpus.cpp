// The Jobs workspace on a workstation with more GPUs than cores, through the fake-device seam (no GPU is
// needed): the worker that inoculab-cli starts is a script. Asked for `--system-info`, it
// gives the real worker's report for the GPUs of $INOCULAB_FAKE_GPUS with CUDA marked
// usable; given a job, it records the CUDA_VISIBLE_DEVICES it was handed and holds that GPU
// for a moment (a second worker on the same GPU at once fails with exit 7).
// Checked: "at most N at once" defaults to the GPU count, as `experiment run` does; every
// worker gets one GPU, in NVML's PCI bus order; the GPUs field narrows them and the default
// with them; a GPU that is not there is refused with the reason; a user's own N is kept.
// What only a real GPU can confirm: that CUDA then trains on the GPU the index names.
#include "test_support.h"

#include "screenshots.h"
#include "stall_meter.h"

#include "jobs/job_runner.h"
#include "jobs/jobs_workspace.h"
#include "main_window.h"
#include "system_info.h"

#include <QApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSettings>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableWidget>
#include <QThread>

using namespace inoculab;
using ui::JobRunner;
using ui::MainWindow;
using ui::RunJob;

class TestJobsGpus : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QString m_locks;
    int m_gpuCount = 0;

    QStringList allGpus() const {
        QStringList out;
        for (int i = 0; i < m_gpuCount; ++i) out << QString::number(i);
        return out;
    }

    QString path(const char *name) const { return m_dir.filePath(QLatin1String(name)); }

    // "gpu order" lines the fake worker wrote, one per job it ran; cleared after reading.
    QStringList takeAssignments() {
        QFile file(m_locks + "/assigned.txt");
        if (!file.open(QIODevice::ReadOnly)) return {};
        QStringList lines = QString::fromUtf8(file.readAll()).split('\n', Qt::SkipEmptyParts);
        file.close();
        file.remove();
        return lines;
    }

    static bool allDone(MainWindow &window, int count) {
        return test::spinUntil(
            [&] {
                int done = 0;
                for (const auto &job : window.jobsWorkspace()->runner()->jobs())
                    done += job->state == RunJob::State::Done;
                return done == count;
            },
            60000);
    }

    static const std::vector<std::pair<QString, std::uint64_t>> &fourRuns() {
        static const std::vector<std::pair<QString, std::uint64_t>> runs{
            {"baseline", 0}, {"baseline", 1}, {"control", 0}, {"control", 1}};
        return runs;
    }

private Q_SLOTS:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QApplication::setOrganizationName(QStringLiteral("InoculabTests"));
        QApplication::setApplicationName(QStringLiteral("test_jobs_gpus"));
        QSettings().clear();
        const QString realWorker = QFileInfo(qEnvironmentVariable("INOCULAB_CLI")).dir().filePath("inoculab-worker");
        QVERIFY2(QFileInfo(realWorker).isExecutable(), qPrintable(realWorker));
        // One GPU more than cores, so that "one worker per GPU" and "one per core" differ.
        m_gpuCount = std::max(1, QThread::idealThreadCount()) + 1;
        QStringList entries;
        for (int i = 0; i < m_gpuCount; ++i)
            entries << test::jsonText("{'name':'NVIDIA H100 80GB HBM3','memory_total':85520809984,"
                                      "'memory_free':84000000000,'compute_capability':'9.0'}")
                           .c_str();
        const QString gpus = QString::fromStdString(test::writeFile(
            m_dir, "gpus.json",
            (test::jsonText("{'driver':'550.54','gpus':[") + entries.join(',').toStdString() + "]}").c_str()));
        m_locks = path("locks");
        QDir().mkpath(m_locks);
        const QString fake = QString::fromStdString(test::writeFile(
            m_dir, "gpu-worker.sh",
            ("#!/bin/sh\n"
             "if [ \"$1\" = --system-info ]; then\n"
             "  '" + realWorker + "' --system-info json | /usr/bin/python3 -c '"
             "import json, sys; r = json.load(sys.stdin); "
             "r[\"cuda\"].update(usable=True, why_not=None, devices=len(r[\"gpus\"][\"gpus\"])); print(json.dumps(r))'\n"
             "  exit $?\n"
             "fi\n"
             // Only runs: the first-run banner's estimate job fails here, as it would without a worker.
             "grep -Eq '\"kind\": *\"finetune\"' \"$2\" || exit 3\n"
             "mkdir '" + m_locks + "/gpu'\"$CUDA_VISIBLE_DEVICES\" || exit 7\n"
             "echo \"$CUDA_VISIBLE_DEVICES $CUDA_DEVICE_ORDER\" >> '" + m_locks + "/assigned.txt'\n"
             "echo '{\"event\":\"start\",\"kind\":\"finetune\",\"steps\":1,\"from_step\":0,\"rows\":1,"
             "\"device\":\"cuda:0 (GPU '\"$CUDA_VISIBLE_DEVICES\"')\"}'\n"
             "sleep 0.5\n"
             "rmdir '" + m_locks + "/gpu'\"$CUDA_VISIBLE_DEVICES\"\n"
             "exit 0\n")
                .toUtf8()));
        QFile::setPermissions(fake, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
        // Before the report is first asked for: SystemInfo asks once per process.
        qputenv("INOCULAB_WORKER", fake.toUtf8());
        qputenv("INOCULAB_FAKE_GPUS", gpus.toUtf8());
        qunsetenv("CUDA_VISIBLE_DEVICES");
        ui::SystemInfo *info = ui::SystemInfo::instance();
        QVERIFY(QTest::qWaitFor([info] { return info->isReady(); }, 60000));
        QCOMPARE(info->cudaGpus(), allGpus());
        QVERIFY2(info->text().contains("H100"), qPrintable(info->text()));
    }

    void eachWorkerGetsOneGpuAndTheFieldNarrowsThem() {
        MainWindow window;
        window.show();
        QVERIFY(window.openSpec(test::sourcePath(QStringLiteral("tests/cli/data/smoke-experiment.json"))));
        QVERIFY(window.openStore(path("gpus.sqlite")));
        window.setCacheDir(path("cache"));
        window.workspaces()->setCurrentWidget(window.jobsWorkspace());
        ui::JobsWorkspace *jobs = window.jobsWorkspace();
        QCOMPARE(jobs->maxParallel(), m_gpuCount);  // one worker per GPU, not one per core

        QVERIFY(jobs->queueRuns(fourRuns()));
        QVERIFY(allDone(window, 4));  // exit 7 would have failed a run: no GPU held twice
        QStringList assigned = takeAssignments();
        QCOMPARE(assigned.size(), 4);
        QSet<QString> used;
        for (const QString &line : assigned) {
            QCOMPARE(line.section(' ', 1), QString("PCI_BUS_ID"));  // NVML's order, so the index names that GPU
            used.insert(line.section(' ', 0, 0));
        }
        // Each on a GPU of its own while there are free ones.
        QCOMPARE(int(used.size()), std::min(m_gpuCount, 4));
        for (const QString &gpu : used) QVERIFY2(allGpus().contains(gpu), qPrintable(gpu));
        // The device column shows what the worker said it ran on, the GPU it was given.
        QTableWidget *table = jobs->table();
        for (int row = 0; row < table->rowCount(); ++row) {
            const QString condition = table->item(row, 0)->text();
            const std::uint64_t seed = table->item(row, 1)->text().toULongLong();
            const int index = jobs->runner()->find(condition, seed);
            if (index < 0) continue;
            const RunJob &job = *jobs->runner()->jobs()[std::size_t(index)];
            QCOMPARE(table->item(row, 7)->text(), "cuda:0 (GPU " + job.gpu + ")");
        }
        test::saveScreenshot(&window, QStringLiteral("jobs_gpus.png"));

        // Only GPU 1: one at a time, all of them there.
        jobs->setGpuField("1");
        QCOMPARE(jobs->maxParallel(), 1);
        QVERIFY(jobs->queueRuns(fourRuns()));
        QVERIFY(allDone(window, 4));
        QCOMPARE(takeAssignments(), (QStringList{"1 PCI_BUS_ID", "1 PCI_BUS_ID", "1 PCI_BUS_ID", "1 PCI_BUS_ID"}));

        // A GPU this machine does not have: nothing is queued, and the message says why.
        const QString missing = QString::number(m_gpuCount);
        jobs->setGpuField("0, " + missing);
        QVERIFY(!jobs->queueRuns(fourRuns()));
        QVERIFY2(jobs->message().contains("\"" + missing + "\" is not a GPU CUDA can use here (usable: " +
                                          allGpus().join(", ")),
                 qPrintable(jobs->message()));
        QVERIFY(takeAssignments().isEmpty());

        // A number the user chose stays when the GPUs change.
        jobs->setMaxParallel(1);
        jobs->setGpuField("");
        QCOMPARE(jobs->maxParallel(), 1);
        QCOMPARE(QSettings().value("jobs/parallel").toInt(), 1);
    }
};

QTEST_MAIN(TestJobsGpus)
#include "test_jobs_gpus.moc"
