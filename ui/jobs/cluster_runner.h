#pragma once
// ClusterRunner: the open experiment's runs on a SLURM cluster, through the CLI that does the
// work (docs/cluster.md). Submitting is `inoculab-cli experiment run --backend slurm --no-wait`;
// every few seconds `experiment collect --json` ingests finished result files into the store
// (the store's only writer stays on this machine) and reports each run's SLURM job and state;
// the runs' event files in the work folder give step, loss and the loss curve; cancelling is
// `scancel` of the run's task. Nothing here needs the window open: closing it leaves the jobs
// to SLURM, and the next collect picks their results up.
#include "jobs/cluster_profile.h"

#include <QObject>
#include <QPointF>
#include <QString>
#include <QVector>

#include <cstdint>
#include <deque>
#include <map>
#include <utility>
#include <vector>

class QProcess;
class QTimer;

namespace inoculab::ui {

struct ClusterRun {
    QString condition;
    std::uint64_t seed = 0;
    QString state;       // Inoculab's: "pending", "running", "requeued", "done", "failed", ...
    QString slurmState;  // SLURM's, where it still knows the task: PENDING, RUNNING, TIMEOUT, ...
    QString task;        // the SLURM array task, "123_4"
    QString detail;      // PENDING's reason, RUNNING's node, an exit code
    QString note;        // from collect: skipped half-written file, another spec version
    std::int64_t step = 0, steps = 0;
    double loss = 0;
    QVector<QPointF> losses;  // (step, train loss) from the events file, across attempts
    qint64 eventsRead = 0;    // bytes of the events file already read

    QString label() const { return condition + QStringLiteral("/seed") + QString::number(seed); }
    // What the Jobs table shows: SLURM's state with its reason or node ("PENDING (Priority)",
    // "RUNNING on node3", "COMPLETED", "FAILED: exit code 137").
    QString display() const;
};

class ClusterRunner : public QObject {
    Q_OBJECT
public:
    explicit ClusterRunner(QObject *parent = nullptr);

    void setContext(const QString &specFile, const QString &store, const ClusterProfile &profile);
    const ClusterProfile &profile() const { return m_profile; }
    // Submits the runs (grouped by condition: one `experiment run` each, one after the other);
    // the CLI skips what is done or still queued. Polling starts.
    void submit(const std::vector<std::pair<QString, std::uint64_t>> &runs);
    // scancel of the run's latest task; the worker checkpoints (exit 4) and the next submit
    // resumes it. False when the run has no known task.
    bool cancel(const QString &condition, std::uint64_t seed);
    // Runs `experiment collect` now (unless one is running); also every kPollMilliseconds
    // while polling.
    void poll();
    void setPolling(bool on);
    void setPollMilliseconds(int ms);

    const ClusterRun *find(const QString &condition, std::uint64_t seed) const;
    QString logFile(const QString &condition, std::uint64_t seed) const;
    bool isBusy() const { return m_submitting != nullptr || !m_toSubmit.empty(); }
    static constexpr int kPollMilliseconds = 5000;

Q_SIGNALS:
    // After each collect: states changed, and the store may hold new runs.
    void runsUpdated();
    void lossAdded(const QString &label);
    // What a submission or collect said when it failed, or what was submitted.
    void message(const QString &text);

private:
    void submitNext();
    void onCollected(const QByteArray &json);
    void readEvents(ClusterRun &run);
    ClusterRun &runOf(const QString &condition, std::uint64_t seed);

    QString m_specFile, m_store;
    ClusterProfile m_profile;
    std::map<std::pair<QString, std::uint64_t>, ClusterRun> m_runs;
    std::deque<std::pair<QString, QStringList>> m_toSubmit;  // condition, seeds
    QProcess *m_submitting = nullptr;
    QProcess *m_collecting = nullptr;
    QTimer *m_timer;
};

}  // namespace inoculab::ui
