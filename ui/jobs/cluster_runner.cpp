#include "cluster_runner.h"

#include "worker_command.h"

#include "experiment/backends/slurm_work_dir.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTimer>

namespace inoculab::ui {

namespace {

// The last non-empty lines of what a command wrote, for a message.
QString tailOf(const QByteArray &output, int lines) {
    QStringList all = QString::fromUtf8(output).trimmed().split('\n');
    while (all.size() > lines) all.removeFirst();
    return all.join('\n');
}

// What `experiment run --no-wait` said it submitted ("1 runs submitted, 0 still queued from
// before, ..."), without its advice to run collect: the window collects by itself.
QString submittedSummary(const QByteArray &output) {
    for (const QString &line : QString::fromUtf8(output).split('\n')) {
        const qsizetype at = line.indexOf(QLatin1String("): "));
        if (!line.contains(QLatin1String(" runs submitted")) || at < 0) continue;
        QString summary = line.mid(at + 3);
        return summary.left(summary.indexOf(QLatin1String("; store ")));
    }
    return tailOf(output, 1);
}

}  // namespace

QString ClusterRun::display() const {
    if (state == QLatin1String("done")) return QStringLiteral("COMPLETED");
    if (state == QLatin1String("not submitted")) return state;
    // SLURM's name while it still lists the task; Inoculab's word for what the files say.
    QString name = slurmState.isEmpty() ? state.toUpper() : slurmState;
    if (state == QLatin1String("requeued")) name = QStringLiteral("REQUEUED");  // PENDING again, after an attempt
    if (detail.isEmpty()) return name;
    if (state == QLatin1String("running")) return name + QStringLiteral(" on ") + detail;
    if (state == QLatin1String("pending") || state == QLatin1String("requeued"))
        return name + QStringLiteral(" (") + detail + QStringLiteral(")");
    return name + QStringLiteral(": ") + detail;
}

ClusterRunner::ClusterRunner(QObject *parent) : QObject(parent), m_timer(new QTimer(this)) {
    m_timer->setInterval(kPollMilliseconds);
    connect(m_timer, &QTimer::timeout, this, &ClusterRunner::poll);
}

void ClusterRunner::setContext(const QString &specFile, const QString &store, const ClusterProfile &profile) {
    if (specFile != m_specFile || store != m_store || profile.workDir != m_profile.workDir) m_runs.clear();
    m_specFile = specFile;
    m_store = store;
    m_profile = profile;
}

void ClusterRunner::setPolling(bool on) {
    if (on && !m_timer->isActive()) m_timer->start();
    if (!on) m_timer->stop();
}

void ClusterRunner::setPollMilliseconds(int ms) { m_timer->setInterval(ms); }

ClusterRun &ClusterRunner::runOf(const QString &condition, std::uint64_t seed) {
    ClusterRun &run = m_runs[{condition, seed}];
    run.condition = condition;
    run.seed = seed;
    return run;
}

const ClusterRun *ClusterRunner::find(const QString &condition, std::uint64_t seed) const {
    auto it = m_runs.find({condition, seed});
    return it == m_runs.end() ? nullptr : &it->second;
}

QString ClusterRunner::logFile(const QString &condition, std::uint64_t seed) const {
    const experiment::SlurmWorkDir dir(m_profile.workDir.toStdString());
    return QString::fromStdString(dir.logFile(experiment::runFileLabel(condition.toStdString(), seed)));
}

void ClusterRunner::submit(const std::vector<std::pair<QString, std::uint64_t>> &runs) {
    std::map<QString, QStringList> seeds;
    for (const auto &[condition, seed] : runs) seeds[condition] << QString::number(seed);
    for (auto &[condition, list] : seeds) m_toSubmit.emplace_back(condition, list);
    if (!m_submitting) submitNext();
    setPolling(true);
}

void ClusterRunner::submitNext() {
    if (m_toSubmit.empty()) {
        poll();  // the new tasks' states at once
        return;
    }
    auto [condition, seeds] = m_toSubmit.front();
    m_toSubmit.pop_front();
    QStringList args{QStringLiteral("experiment"), QStringLiteral("run"), m_specFile, QStringLiteral("--store"),
                     m_store, QStringLiteral("--conditions"), condition, QStringLiteral("--seeds"),
                     seeds.join(','), QStringLiteral("--no-wait"), QStringLiteral("--progress"),
                     QStringLiteral("none")};
    args << m_profile.runArguments();
    m_submitting = new QProcess(this);
    m_submitting->setProcessChannelMode(QProcess::MergedChannels);
    connect(m_submitting, &QProcess::finished, this, [this, condition](int code, QProcess::ExitStatus status) {
        const QByteArray output = m_submitting->readAll();
        m_submitting->deleteLater();
        m_submitting = nullptr;
        if (status != QProcess::NormalExit || code != 0)
            Q_EMIT message(tr("Submitting %1 to %2 failed:\n%3").arg(condition, m_profile.name, tailOf(output, 6)));
        else
            Q_EMIT message(tr("%1 on %2: %3").arg(condition, m_profile.name, submittedSummary(output)));
        submitNext();
    });
    connect(m_submitting, &QProcess::errorOccurred, this, [this](QProcess::ProcessError error) {
        if (error != QProcess::FailedToStart) return;
        Q_EMIT message(tr("Could not start %1: %2").arg(inoculabCliPath(), m_submitting->errorString()));
        m_submitting->deleteLater();
        m_submitting = nullptr;
        m_toSubmit.clear();
    });
    m_submitting->start(inoculabCliPath(), args);
}

bool ClusterRunner::cancel(const QString &condition, std::uint64_t seed) {
    const ClusterRun *run = find(condition, seed);
    if (!run || run->task.isEmpty()) return false;
    auto *scancel = new QProcess(this);
    scancel->setProcessChannelMode(QProcess::MergedChannels);
    const QString task = run->task;
    connect(scancel, &QProcess::finished, this, [this, scancel, task](int code, QProcess::ExitStatus status) {
        if (status != QProcess::NormalExit || code != 0)
            Q_EMIT message(tr("scancel %1 failed: %2").arg(task, tailOf(scancel->readAll(), 3)));
        scancel->deleteLater();
        poll();
    });
    connect(scancel, &QProcess::errorOccurred, this, [this, scancel](QProcess::ProcessError error) {
        if (error != QProcess::FailedToStart) return;
        Q_EMIT message(tr("Could not start scancel: %1").arg(scancel->errorString()));
        scancel->deleteLater();
    });
    scancel->start(QStringLiteral("scancel"), {task});
    return true;
}

void ClusterRunner::poll() {
    if (m_collecting || m_specFile.isEmpty() || m_profile.workDir.isEmpty()) return;
    if (!QFile::exists(m_profile.workDir)) return;  // nothing submitted yet
    m_collecting = new QProcess(this);
    connect(m_collecting, &QProcess::finished, this, [this](int code, QProcess::ExitStatus status) {
        const QByteArray out = m_collecting->readAllStandardOutput();
        const QByteArray err = m_collecting->readAllStandardError();
        m_collecting->deleteLater();
        m_collecting = nullptr;
        if (status == QProcess::NormalExit && code == 0)
            onCollected(out);
        else
            Q_EMIT message(tr("experiment collect failed: %1").arg(tailOf(err, 4)));
    });
    connect(m_collecting, &QProcess::errorOccurred, this, [this](QProcess::ProcessError error) {
        if (error != QProcess::FailedToStart) return;
        Q_EMIT message(tr("Could not start %1: %2").arg(inoculabCliPath(), m_collecting->errorString()));
        m_collecting->deleteLater();
        m_collecting = nullptr;
    });
    m_collecting->start(inoculabCliPath(), {QStringLiteral("experiment"), QStringLiteral("collect"), m_specFile,
                                            QStringLiteral("--work-dir"), m_profile.workDir,
                                            QStringLiteral("--store"), m_store, QStringLiteral("--json")});
}

void ClusterRunner::onCollected(const QByteArray &json) {
    const QJsonArray rows = QJsonDocument::fromJson(json).object().value(QLatin1String("runs")).toArray();
    for (const QJsonValue &value : rows) {
        const QJsonObject row = value.toObject();
        ClusterRun &run = runOf(row.value(QLatin1String("condition")).toString(),
                                std::uint64_t(row.value(QLatin1String("seed")).toInteger()));
        run.state = row.value(QLatin1String("state")).toString();
        run.slurmState = row.value(QLatin1String("slurm_state")).toString();
        run.task = row.value(QLatin1String("task")).toString();
        run.detail = row.value(QLatin1String("detail")).toString();
        run.note = row.value(QLatin1String("note")).toString();
        readEvents(run);
    }
    Q_EMIT runsUpdated();
}

void ClusterRunner::readEvents(ClusterRun &run) {
    const experiment::SlurmWorkDir dir(m_profile.workDir.toStdString());
    QFile file(QString::fromStdString(dir.eventsFile(experiment::runFileLabel(run.condition.toStdString(), run.seed))));
    if (!file.open(QIODevice::ReadOnly) || file.size() <= run.eventsRead) return;
    file.seek(run.eventsRead);
    const QByteArray added = file.readAll();
    const qsizetype complete = added.lastIndexOf('\n') + 1;  // a line still being written waits
    run.eventsRead += complete;
    bool loss = false;
    for (const QByteArray &line : added.left(complete).split('\n')) {
        const QJsonObject event = QJsonDocument::fromJson(line).object();
        const QString kind = event.value(QLatin1String("event")).toString();
        if (event.value(QLatin1String("kind")) == QLatin1String("pretrain")) continue;
        if (kind == QLatin1String("start")) {
            // A resumed attempt repeats the steps after its checkpoint: drop the lost ones.
            run.steps = event.value(QLatin1String("steps")).toInteger();
            run.step = event.value(QLatin1String("from_step")).toInteger();
            while (!run.losses.isEmpty() && run.losses.last().x() > double(run.step)) run.losses.removeLast();
        } else if (kind == QLatin1String("step")) {
            run.step = event.value(QLatin1String("step")).toInteger();
            run.loss = event.value(QLatin1String("loss")).toDouble(qQNaN());
            run.losses.append(QPointF(double(run.step), run.loss));
            loss = true;
        }
    }
    if (loss) Q_EMIT lossAdded(run.label());
}

}  // namespace inoculab::ui
