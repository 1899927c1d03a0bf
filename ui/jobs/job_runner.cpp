#include "job_runner.h"

#include "worker_command.h"

#include "experiment/worker_job.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcessEnvironment>
#include <QThread>
#include <QTime>
#include <QTimer>

#include <csignal>

namespace inoculab::ui {

QString formatSeconds(double seconds) {
    long s = long(seconds + 0.5);
    if (s >= 3600) return QStringLiteral("%1h%2m").arg(s / 3600).arg((s / 60) % 60, 2, 10, QChar('0'));
    return QStringLiteral("%1m%2s").arg(s / 60).arg(s % 60, 2, 10, QChar('0'));
}

namespace {

QString lastLines(const QString &path, int count) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) return {};
    if (file.size() > 65536) file.seek(file.size() - 65536);
    QStringList lines = QString::fromUtf8(file.readAll()).trimmed().split('\n');
    while (lines.size() > count) lines.removeFirst();
    return lines.join('\n');
}

}  // namespace

QString stateName(RunJob::State state) {
    switch (state) {
        case RunJob::State::Queued: return QStringLiteral("queued");
        case RunJob::State::Starting: return QStringLiteral("starting");
        case RunJob::State::Pretraining: return QStringLiteral("pretraining base model");
        case RunJob::State::Running: return QStringLiteral("running");
        case RunJob::State::Cancelling: return QStringLiteral("cancelling");
        case RunJob::State::Done: return QStringLiteral("done");
        case RunJob::State::Cancelled: return QStringLiteral("cancelled");
        case RunJob::State::Failed: return QStringLiteral("failed");
    }
    return {};
}

QString RunJob::eta() const {
    std::int64_t done = step - clockStep;
    if (state != State::Running || done <= 0 || !clock.isValid()) return {};
    double perStep = double(clock.elapsed()) / 1000.0 / double(done);
    return formatSeconds(perStep * double(steps - step));
}

JobRunner::JobRunner(QObject *parent) : QObject(parent) {}

JobRunner::~JobRunner() {
    // Closing the window does not stop training: workers keep going and write to the store;
    // the next session shows them as running elsewhere. Only our pipes are let go.
    for (auto &job : m_jobs)
        if (job->process) {
            job->process->disconnect(this);
            job->process->setParent(nullptr);  // the QProcess destructor would kill it
            job->process->closeReadChannel(QProcess::StandardOutput);
        }
}

void JobRunner::setContext(const QString &specFile, const QString &specHash, const QString &store,
                           const QString &cache) {
    m_specFile = specFile;
    m_specHash = specHash;
    m_store = store;
    m_cache = cache;
}

void JobRunner::setMaxParallel(int jobs) {
    m_maxParallel = std::max(1, jobs);
    startReady();
}

int JobRunner::find(const QString &condition, std::uint64_t seed) const {
    for (std::size_t i = 0; i < m_jobs.size(); ++i)
        if (m_jobs[i]->condition == condition && m_jobs[i]->seed == seed) return int(i);
    return -1;
}

int JobRunner::indexOf(const RunJob &job) const {
    for (std::size_t i = 0; i < m_jobs.size(); ++i)
        if (m_jobs[i].get() == &job) return int(i);
    return -1;
}

qint64 JobRunner::processId(int index) const {
    const RunJob &job = *m_jobs.at(std::size_t(index));
    return job.process ? job.process->processId() : 0;
}

int JobRunner::enqueue(const QString &condition, std::uint64_t seed, bool resume) {
    int index = find(condition, seed);
    if (index >= 0) {
        RunJob &job = *m_jobs[std::size_t(index)];
        if (job.isActive() || job.state == RunJob::State::Queued) return index;
        std::unique_ptr<RunJob> fresh = std::make_unique<RunJob>();
        fresh->condition = condition;
        fresh->seed = seed;
        m_jobs[std::size_t(index)] = std::move(fresh);
    } else {
        m_jobs.push_back(std::make_unique<RunJob>());
        m_jobs.back()->condition = condition;
        m_jobs.back()->seed = seed;
        index = int(m_jobs.size()) - 1;
    }
    m_jobs[std::size_t(index)]->resume = resume;
    Q_EMIT jobChanged(index);
    startReady();
    return index;
}

void JobRunner::startReady() {
    int active = 0;
    for (const auto &job : m_jobs) active += job->isActive();
    for (auto &job : m_jobs) {
        if (active >= m_maxParallel) break;
        if (job->state != RunJob::State::Queued) continue;
        start(*job);
        ++active;
    }
}

void JobRunner::start(RunJob &job) {
    const int index = indexOf(job);
    experiment::WorkerJob spec;
    spec.kind = experiment::JobKind::Finetune;
    spec.spec = m_specFile.toStdString();
    spec.specHash = m_specHash.toStdString();
    spec.store = m_store.toStdString();
    spec.condition = job.condition.toStdString();
    spec.seed = job.seed;
    spec.cache = m_cache.toStdString();
    spec.checkpointSeconds = m_checkpointSeconds;
    // Workers share the cores: one pool of threads each, and idle threads that do not spin
    // (docs/benchmarks.md, train_throughput).
    spec.threads = std::max(1, QThread::idealThreadCount() / m_maxParallel);
    QDir jobs(m_cache + QStringLiteral("/jobs/") + m_specHash.left(16));
    jobs.mkpath(QStringLiteral("."));
    QString base = jobs.filePath(job.condition + QStringLiteral("-seed") + QString::number(job.seed));
    job.jobFile = base + QStringLiteral(".job.json");  // the names `experiment run` uses
    job.logFile = base + QStringLiteral(".log");
    try {
        experiment::writeWorkerJob(job.jobFile.toStdString(), spec);
    } catch (const std::exception &e) {
        job.state = RunJob::State::Failed;
        job.message = QString::fromStdString(e.what());
        Q_EMIT jobChanged(index);
        return;
    }
    job.gpu = leastUsedGpu();  // before this job counts as active
    job.process = new QProcess(this);
    QProcessEnvironment env = workerEnvironment(spec.threads);
    if (!job.gpu.isEmpty()) {
        env.insert(QStringLiteral("CUDA_VISIBLE_DEVICES"), job.gpu);  // the worker sees it as cuda:0
        // The indices are NVML's, which counts in PCI bus order; CUDA's default order puts
        // the fastest GPU first, so on a mixed machine the same index would name another.
        env.insert(QStringLiteral("CUDA_DEVICE_ORDER"), QStringLiteral("PCI_BUS_ID"));
    }
    job.process->setProcessEnvironment(env);
    job.process->setStandardErrorFile(job.logFile, QIODevice::Truncate);
    RunJob *raw = &job;
    connect(job.process, &QProcess::readyReadStandardOutput, this, [this, raw] { readEvents(*raw); });
    connect(job.process, &QProcess::finished, this,
            [this, raw](int code, QProcess::ExitStatus status) { onFinished(*raw, code, status); });
    connect(job.process, &QProcess::errorOccurred, this, [this, raw](QProcess::ProcessError error) {
        if (error == QProcess::FailedToStart) onFinished(*raw, -1, QProcess::CrashExit);
    });
    job.state = RunJob::State::Starting;
    QStringList args{QStringLiteral("worker"), QStringLiteral("--job"), job.jobFile};
    if (job.resume) args << QStringLiteral("--resume");
    job.process->start(inoculabCliPath(), args);
    Q_EMIT jobChanged(index);
}

QString JobRunner::leastUsedGpu() const {
    QString best;
    int fewest = 0;
    for (const QString &gpu : m_gpus) {
        int workers = 0;
        for (const auto &job : m_jobs) workers += job->isActive() && job->gpu == gpu;
        if (best.isEmpty() || workers < fewest) {
            best = gpu;
            fewest = workers;
        }
    }
    return best;
}

void JobRunner::readEvents(RunJob &job) {
    if (!job.process) return;
    job.pendingOutput += job.process->readAllStandardOutput();
    const int index = indexOf(job);
    bool changed = false, loss = false;
    qsizetype end;
    while ((end = job.pendingOutput.indexOf('\n')) >= 0) {
        QJsonObject event = QJsonDocument::fromJson(job.pendingOutput.left(end)).object();
        job.pendingOutput.remove(0, end + 1);
        const QString kind = event.value(QLatin1String("event")).toString();
        const bool pretrain = event.value(QLatin1String("kind")) == QLatin1String("pretrain");
        auto note = [&job](const QString &line) {
            job.history << QTime::currentTime().toString(QStringLiteral("HH:mm:ss ")) + line;
        };
        if (kind == QLatin1String("start")) {
            note(pretrain
                     ? tr("pretraining the base model: %1 steps").arg(event.value(QLatin1String("steps")).toInteger())
                     : tr("finetuning %1 steps from step %2 on %3 (%4 rows)")
                           .arg(event.value(QLatin1String("steps")).toInteger())
                           .arg(event.value(QLatin1String("from_step")).toInteger())
                           .arg(event.value(QLatin1String("device")).toString())
                           .arg(event.value(QLatin1String("rows")).toInteger()));
        } else if (kind == QLatin1String("eval")) {
            QStringList means;
            const QJsonObject contexts = event.value(QLatin1String("means")).toObject();
            for (auto c = contexts.begin(); c != contexts.end(); ++c) {
                const QJsonObject traits = c.value().toObject();
                for (auto t = traits.begin(); t != traits.end(); ++t)
                    means
                        << QStringLiteral("%1/%2 %3").arg(c.key(), t.key()).arg(t.value().toDouble(qQNaN()), 0, 'f', 3);
            }
            note(tr("evaluated at step %1: %2")
                     .arg(event.value(QLatin1String("step")).toInteger())
                     .arg(means.join(", ")));
        } else if (kind == QLatin1String("done")) {
            note(tr("%1 at step %2")
                     .arg(event.value(QLatin1String("status")).toString())
                     .arg(event.value(QLatin1String("step")).toInteger()));
        }
        if (kind == QLatin1String("start") && !pretrain) {
            job.steps = event.value(QLatin1String("steps")).toInteger();
            job.fromStep = job.step = event.value(QLatin1String("from_step")).toInteger();
            job.device = event.value(QLatin1String("device")).toString();
            job.state = job.state == RunJob::State::Cancelling ? job.state : RunJob::State::Running;
        } else if (kind == QLatin1String("step")) {
            if (pretrain) {
                if (job.state != RunJob::State::Cancelling) job.state = RunJob::State::Pretraining;
                job.step = event.value(QLatin1String("step")).toInteger();
                job.steps = event.value(QLatin1String("steps")).toInteger();
            } else {
                job.step = event.value(QLatin1String("step")).toInteger();
                job.loss = event.value(QLatin1String("loss")).toDouble(qQNaN());  // null: NaN
                job.tokensPerSecond = event.value(QLatin1String("tokens_per_s")).toDouble();
                if (!job.clock.isValid()) {
                    job.clock.start();
                    job.clockStep = job.step;
                }
                job.losses.append(QPointF(double(job.step), job.loss));
                loss = true;
            }
        } else if (kind == QLatin1String("done")) {
            job.step = event.value(QLatin1String("step")).toInteger(job.step);
        }
        changed = true;
    }
    if (changed) Q_EMIT jobChanged(index);
    if (loss) Q_EMIT lossAdded(index);
}

void JobRunner::onFinished(RunJob &job, int exitCode, QProcess::ExitStatus status) {
    if (!job.process) return;
    readEvents(job);
    if (status == QProcess::NormalExit && exitCode == 0) {
        job.state = RunJob::State::Done;
    } else if (status == QProcess::NormalExit && exitCode == 4) {
        job.state = RunJob::State::Cancelled;
        job.message = tr("checkpointed at step %1; resume continues from there").arg(job.step);
    } else {
        job.state = RunJob::State::Failed;
        QString how;
        if (exitCode == -1 && status == QProcess::CrashExit && job.process->error() == QProcess::FailedToStart)
            how = tr("could not start %1: %2").arg(inoculabCliPath(), job.process->errorString());
        else if (status == QProcess::CrashExit)
            how = tr("the worker was killed (crashed or signalled); resume continues from its last checkpoint");
        else
            how = tr("the worker exited with code %1").arg(exitCode);
        QString tail = lastLines(job.logFile, 4);
        job.message = tail.isEmpty() ? how : how + QStringLiteral(":\n") + tail;
    }
    job.process->deleteLater();
    job.process = nullptr;
    Q_EMIT jobChanged(indexOf(job));
    startReady();
}

void JobRunner::cancel(int index) {
    RunJob &job = *m_jobs.at(std::size_t(index));
    if (job.state == RunJob::State::Queued) {
        job.state = RunJob::State::Cancelled;
        job.message = tr("taken off the queue");
        Q_EMIT jobChanged(index);
        return;
    }
    if (!job.process) return;
    job.state = RunJob::State::Cancelling;
    job.process->terminate();
    QProcess *process = job.process;
    QTimer::singleShot(m_graceSeconds * 1000, process, [process] {
        if (process->state() != QProcess::NotRunning) process->kill();
    });
    Q_EMIT jobChanged(index);
}

void JobRunner::cancelAll() {
    for (std::size_t i = 0; i < m_jobs.size(); ++i)
        if (m_jobs[i]->isActive() || m_jobs[i]->state == RunJob::State::Queued) cancel(int(i));
}

}  // namespace inoculab::ui
