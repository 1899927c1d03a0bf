#include "first_run_guide.h"

#include "worker_command.h"

#include <QFrame>
#include <QHBoxLayout>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QProcess>
#include <QProcessEnvironment>
#include <QPushButton>

#include <cmath>

namespace inoculab::ui {

namespace {

QString aboutMinutes(double seconds) {
    if (seconds < 90) return QObject::tr("about %1 s").arg(std::lround(seconds));
    if (seconds < 5400) return QObject::tr("about %1 min").arg(std::lround(seconds / 60));
    return QObject::tr("about %1 h").arg(seconds / 3600, 0, 'f', 1);
}

QString runs(int n) { return n == 1 ? QObject::tr("1 run") : QObject::tr("%1 runs").arg(n); }

bool canTrain(const FirstRunGuide::State &s) { return !s.specPath.isEmpty() && !s.storePath.isEmpty() && s.runs > 0; }
// Nothing of the experiment has begun: the banners' first-run state.
bool untouched(const FirstRunGuide::State &s) { return canTrain(s) && s.done == 0 && s.started == 0; }

}  // namespace

FirstRunGuide::FirstRunGuide(QObject *parent) : QObject(parent) {
    m_navigator = makeBanner(QStringLiteral("navigatorFirstRun"), m_navigatorLabel, m_navigatorButton);
    m_results = makeBanner(QStringLiteral("resultsFirstRun"), m_resultsLabel, m_resultsButton);
    m_jobs = makeBanner(QStringLiteral("jobsFirstRun"), m_jobsLabel, m_jobsButton);
    // The navigator's dock is narrow: its banner stacks the button under the text.
    if (auto *row = qobject_cast<QHBoxLayout *>(m_navigator->layout())) row->setDirection(QBoxLayout::TopToBottom);
    for (QPushButton *button : {m_navigatorButton, m_resultsButton, m_jobsButton})
        connect(button, &QPushButton::clicked, this, &FirstRunGuide::trainRequested);
}

FirstRunGuide::~FirstRunGuide() {
    if (!m_process) return;
    // SIGTERM, so the CLI stops its estimate worker too (SIGKILL would leave that running).
    m_process->disconnect(this);
    m_process->terminate();
    if (!m_process->waitForFinished(3000)) m_process->kill();
    m_process->waitForFinished(1000);
}

QWidget *FirstRunGuide::makeBanner(const QString &name, QLabel *&label, QPushButton *&button) {
    auto *frame = new QFrame;
    frame->setObjectName(name);
    frame->setFrameShape(QFrame::StyledPanel);
    // A pale sky-blue note (Okabe-Ito), readable in light and dark palettes alike: the text
    // keeps the palette's colour. Only the frame itself: its label and button stay native.
    frame->setStyleSheet(QStringLiteral("QFrame#%1 { background: rgba(86, 180, 233, 40); border-radius: 4px; }").arg(name));
    label = new QLabel(frame);
    label->setWordWrap(true);
    label->setTextFormat(Qt::RichText);
    button = new QPushButton(frame);
    auto *layout = new QHBoxLayout(frame);
    layout->addWidget(label, 1);
    layout->addWidget(button, 0, Qt::AlignTop);
    frame->hide();
    return frame;
}

void FirstRunGuide::update(const State &state) {
    m_state = state;
    const QString key =
        QStringList{state.specPath, state.storePath, state.cacheDir, QString::number(state.parallel), state.gpu}.join(
            QLatin1Char('\n'));
    if (untouched(state) && key != m_estimateKey) {
        m_estimateKey = key;
        startEstimate();
    }
    redraw();
}

void FirstRunGuide::startEstimate() {
    if (m_process) {  // measuring for settings that changed since
        m_process->disconnect(this);
        m_process->terminate();
        connect(m_process, &QProcess::finished, m_process, &QObject::deleteLater);
    }
    m_estimateReady = false;
    m_estimateError.clear();
    m_process = new QProcess(this);
    QStringList args{QStringLiteral("experiment"), QStringLiteral("run"),     m_state.specPath,
                     QStringLiteral("--store"),    m_state.storePath,         QStringLiteral("--jobs"),
                     QString::number(m_state.parallel), QStringLiteral("--estimate"), QStringLiteral("--json")};
    if (!m_state.cacheDir.isEmpty()) args << QStringLiteral("--cache") << m_state.cacheDir;
    if (!m_state.gpu.isEmpty()) {
        // Measured on the GPU the workers would get first, as JobRunner assigns them.
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("CUDA_DEVICE_ORDER"), QStringLiteral("PCI_BUS_ID"));
        env.insert(QStringLiteral("CUDA_VISIBLE_DEVICES"), m_state.gpu);
        m_process->setProcessEnvironment(env);
    }
    QProcess *process = m_process;
    connect(process, &QProcess::finished, this, [this, process](int code, QProcess::ExitStatus status) {
        const QJsonObject out = QJsonDocument::fromJson(process->readAllStandardOutput()).object();
        const QString err = QString::fromUtf8(process->readAllStandardError()).trimmed();
        process->deleteLater();
        m_process = nullptr;
        m_estimateReady = true;
        if (status != QProcess::NormalExit || code != 0 || !out.contains(QLatin1String("total_seconds"))) {
            m_estimateError = err.isEmpty() ? tr("inoculab-cli exited with code %1").arg(code) : err.section('\n', -1);
        } else {
            m_seconds = out.value(QLatin1String("total_seconds")).toDouble();
            const QJsonObject measured = out.value(QLatin1String("measured")).toObject();
            m_estimateDetail =
                tr("measured just now: %1 s per finetuning step, %2 s per evaluation%3")
                    .arg(measured.value(QLatin1String("finetune_seconds_per_step")).toDouble(), 0, 'f', 2)
                    .arg(measured.value(QLatin1String("evaluation_seconds")).toDouble(), 0, 'f', 1)
                    .arg(measured.value(QLatin1String("pretrain_steps")).toInteger() > 0
                             ? tr(", %1 s per pretraining step of the base model")
                                   .arg(measured.value(QLatin1String("pretrain_seconds_per_step")).toDouble(), 0, 'f', 2)
                             : QString());
        }
        redraw();
    });
    connect(process, &QProcess::errorOccurred, this, [this, process](QProcess::ProcessError error) {
        if (error != QProcess::FailedToStart) return;
        process->deleteLater();
        m_process = nullptr;
        m_estimateReady = true;
        m_estimateError = tr("cannot start %1").arg(inoculabCliPath());
        redraw();
    });
    process->start(inoculabCliPath(), args);
}

QString FirstRunGuide::estimateText() const {
    if (!m_estimateReady) return tr("measuring how fast this machine trains…");
    if (!m_estimateError.isEmpty()) return tr("no time estimate: %1").arg(m_estimateError.toHtmlEscaped());
    if (!m_state.runOn.isEmpty())  // the estimate times this machine; the cluster's nodes are others
        return tr("%1 if this machine trained them (the nodes of %2 may be faster or slower)")
            .arg(aboutMinutes(m_seconds), m_state.runOn.toHtmlEscaped());
    return tr("%1 on this machine").arg(aboutMinutes(m_seconds));
}

QString FirstRunGuide::resultsText() const { return m_resultsLabel->text(); }
QString FirstRunGuide::jobsText() const { return m_jobsLabel->text(); }
QString FirstRunGuide::navigatorText() const { return m_navigatorLabel->text(); }

void FirstRunGuide::redraw() {
    const State &s = m_state;
    const bool fresh = untouched(s);
    const QString name = s.specName.toHtmlEscaped();
    const QString detail = m_estimateReady && m_estimateError.isEmpty()
                               ? QStringLiteral("<br><small>%1</small>").arg(m_estimateDetail.toHtmlEscaped())
                               : QString();
    const QString where = s.runOn.isEmpty() ? tr("here") : tr("on %1").arg(s.runOn);
    const QString train = tr("Train the %1 %2").arg(runs(s.runs), where);
    for (QPushButton *button : {m_navigatorButton, m_resultsButton, m_jobsButton}) button->setText(train);

    m_resultsLabel->setText(
        fresh ? tr("<b>No results yet for %1.</b> Train its %2 %3, %4 at a time: %5.")
                            .arg(name, runs(s.runs), where.toHtmlEscaped())
                            .arg(s.parallel)
                            .arg(estimateText()) +
                        detail
                  : tr("<b>%1 is training:</b> %2 of %3 started, none done yet. Results appear here as runs "
                       "finish (Jobs shows their progress).")
                        .arg(name)
                        .arg(s.started)
                        .arg(runs(s.runs)));
    m_resultsButton->setVisible(fresh);
    m_results->setVisible(canTrain(s) && s.done == 0);

    const QString jobsWhere = s.runOn.isEmpty() ? tr("on this computer")
                                                : tr("on the cluster of profile %1 (SLURM)").arg(s.runOn.toHtmlEscaped());
    m_jobsLabel->setText(tr("<b>None of the %1 of %2 has started.</b> Train them %3, at most %4 at once: %5.")
                             .arg(runs(s.runs), name, jobsWhere)
                             .arg(s.parallel)
                             .arg(estimateText()) +
                         detail);
    m_jobs->setVisible(fresh);

    m_navigatorLabel->setText(
        tr("<b>This store holds no experiments yet.</b> %1 is open: train its %2 and they appear here.")
            .arg(name, runs(s.runs)));
    m_navigator->setVisible(fresh && !s.storeHasExperiments);
}

}  // namespace inoculab::ui
