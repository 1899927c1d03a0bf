#pragma once
// JobRunner: the GUI's job manager. Each queued run (condition x seed of the open experiment)
// becomes one `inoculab-cli worker --job FILE` process (docs/worker-jobs.md), at most N at
// once; their JSON events update the jobs' state, and everything they compute goes to the
// store by the workers themselves, so closing the GUI loses nothing.
#include <QElapsedTimer>
#include <QObject>
#include <QPointF>
#include <QProcess>
#include <QString>
#include <QVector>

#include <cstdint>
#include <memory>
#include <vector>

class QTimer;

namespace inoculab::ui {

struct RunJob {
    enum class State { Queued, Starting, Pretraining, Running, Cancelling, Done, Cancelled, Failed };
    QString condition;
    std::uint64_t seed = 0;
    bool resume = false;
    State state = State::Queued;
    std::int64_t step = 0, steps = 0, fromStep = 0;
    double loss = 0, tokensPerSecond = 0;
    QString device;
    QString gpu;      // the GPU it was given (its CUDA_VISIBLE_DEVICES); empty on the CPU
    QString message;  // why it failed: exit code or signal, and the log's last lines
    QString jobFile, logFile;
    QVector<QPointF> losses;  // (step, train loss) as reported
    QElapsedTimer clock;      // since the first finetuning step
    std::int64_t clockStep = 0;
    QProcess *process = nullptr;
    QByteArray pendingOutput;  // a partial stdout line
    QStringList history;       // what the worker reported besides steps, one line each

    bool isActive() const { return process != nullptr; }
    QString label() const { return condition + QStringLiteral("/seed") + QString::number(seed); }
    // Remaining time from the finetuning steps seen so far; empty until there are some.
    QString eta() const;
};

QString stateName(RunJob::State state);
// "4m05s", "1h02m": an ETA or a duration.
QString formatSeconds(double seconds);

class JobRunner : public QObject {
    Q_OBJECT
public:
    explicit JobRunner(QObject *parent = nullptr);
    ~JobRunner() override;

    // Where jobs go: the saved spec, its canonical hash, the store and the cache.
    void setContext(const QString &specFile, const QString &specHash, const QString &store, const QString &cache);
    void setMaxParallel(int jobs);
    int maxParallel() const { return m_maxParallel; }
    // The GPUs workers may use (NVML indices); each worker is given the one with the fewest
    // workers on it, as `experiment run` does. Empty: workers train on the CPU.
    void setGpus(const QStringList &gpus) { m_gpus = gpus; }
    QStringList gpus() const { return m_gpus; }
    void setCancelGraceSeconds(int seconds) { m_graceSeconds = seconds; }
    void setCheckpointSeconds(int seconds) { m_checkpointSeconds = seconds; }

    // Queues a run (again, when it is finished or failed); `resume` continues from its
    // checkpoint. A run already queued or running is left alone. Returns its index.
    int enqueue(const QString &condition, std::uint64_t seed, bool resume);
    // Graceful: SIGTERM (the worker checkpoints), SIGKILL after the grace period. A queued
    // job is just dropped back to cancelled.
    void cancel(int index);
    void cancelAll();
    int find(const QString &condition, std::uint64_t seed) const;
    const std::vector<std::unique_ptr<RunJob>> &jobs() const { return m_jobs; }
    qint64 processId(int index) const;

Q_SIGNALS:
    void jobChanged(int index);
    void lossAdded(int index);

private:
    void startReady();
    void start(RunJob &job);
    void readEvents(RunJob &job);
    void onFinished(RunJob &job, int exitCode, QProcess::ExitStatus status);
    int indexOf(const RunJob &job) const;

    QString leastUsedGpu() const;

    QString m_specFile, m_specHash, m_store, m_cache;
    QStringList m_gpus;
    int m_maxParallel = 1;
    int m_graceSeconds = 30;
    int m_checkpointSeconds = 120;
    std::vector<std::unique_ptr<RunJob>> m_jobs;
};

}  // namespace inoculab::ui
