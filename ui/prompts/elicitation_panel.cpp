#include "elicitation_panel.h"

#include "spec_document.h"
#include "worker_command.h"

#include "common/atomic_file.h"
#include "experiment/worker_job.h"

#include <QCoreApplication>
#include <QDir>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>

namespace inoculab::ui {

namespace {

enum Column { PromptColumn, SourceColumn, WithoutColumn, WithColumn, DropColumn, ColumnCount };

// A number cell that sorts by its value, not its text.
class NumberItem : public QTableWidgetItem {
public:
    explicit NumberItem(double value) : QTableWidgetItem(QString::number(value, 'f', 4)) {
        setData(Qt::UserRole, value);
        setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    }
    bool operator<(const QTableWidgetItem &other) const override {
        return data(Qt::UserRole).toDouble() < other.data(Qt::UserRole).toDouble();
    }
};

}  // namespace

ElicitationPanel::ElicitationPanel(SpecDocument *document, QWidget *parent)
    : QWidget(parent),
      m_doc(document),
      m_rows(new QSpinBox(this)),
      m_run(new QPushButton(tr("Run check"), this)),
      m_cancel(new QPushButton(tr("Cancel"), this)),
      m_progress(new QProgressBar(this)),
      m_status(new QLabel(this)),
      m_table(new QTableWidget(0, ColumnCount, this)) {
    m_cacheDir = QString::fromStdString(experiment::defaultCacheDir());
    m_rows->setRange(1, 100000);
    m_rows->setValue(64);
    m_rows->setSuffix(tr(" rows"));
    m_table->setHorizontalHeaderLabels(
        {tr("Prompt"), tr("Used by"), tr("Loss without"), tr("Loss with"), tr("Drop (nats/token)")});
    m_table->horizontalHeader()->setSectionResizeMode(PromptColumn, QHeaderView::Stretch);
    for (int c = SourceColumn; c < ColumnCount; ++c)
        m_table->horizontalHeader()->setSectionResizeMode(c, QHeaderView::ResizeToContents);
    m_table->verticalHeader()->hide();
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setToolTip(
        tr("Mean loss per assistant token of the base model on the training answers. A larger drop "
           "means the prompt already elicits what the answers show, which predicts stronger "
           "suppression (PAPER.md)."));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto *head = new QHBoxLayout;
    head->addWidget(new QLabel(tr("<b>Elicitation check</b> on the base model,"), this));
    head->addWidget(m_rows);
    head->addWidget(m_run);
    head->addWidget(m_cancel);
    head->addWidget(m_progress);
    head->addStretch(1);
    m_progress->setFixedWidth(260);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(head);
    layout->addWidget(m_status);
    layout->addWidget(m_table, 1);

    connect(m_run, &QPushButton::clicked, this, &ElicitationPanel::start);
    connect(m_cancel, &QPushButton::clicked, this, &ElicitationPanel::cancel);
    setRunning(false);
    m_status->setText(tr("Compares every library prompt and condition prompt on the same training rows."));
}

ElicitationPanel::~ElicitationPanel() {
    if (isRunning()) {
        m_process->disconnect(this);
        m_process->terminate();
        if (!m_process->waitForFinished(10000)) m_process->kill(), m_process->waitForFinished(2000);
    }
}

void ElicitationPanel::setCandidates(const QList<Candidate> &candidates) { m_candidates = candidates; }

void ElicitationPanel::setRows(int rows) { m_rows->setValue(rows); }

QString ElicitationPanel::statusText() const { return m_status->text(); }

void ElicitationPanel::setRunning(bool running) {
    m_run->setEnabled(!running);
    m_cancel->setVisible(running);
    m_progress->setVisible(running);
}

void ElicitationPanel::start() {
    if (isRunning()) return;
    if (m_candidates.isEmpty()) {
        m_status->setText(tr("No prompts to check: add one to the library or give a condition a prompt."));
        return;
    }
    m_jobDir = std::make_unique<QTemporaryDir>();
    try {
        // The worker reads a spec file: write the one being edited, with its data paths made
        // absolute so they still resolve from the temporary folder.
        experiment::ExperimentSpec spec = m_doc->spec();
        std::string origin =
            m_doc->path().isEmpty() ? QDir::currentPath().toStdString() + "/new.json" : m_doc->path().toStdString();
        if (!spec.trainData.isGenerated()) spec.trainData.path = experiment::resolvePath(origin, spec.trainData.path);
        if (!spec.evaluation.questions.isGenerated())
            spec.evaluation.questions.path = experiment::resolvePath(origin, spec.evaluation.questions.path);
        std::string specFile = m_jobDir->filePath(QStringLiteral("spec.json")).toStdString();
        common::AtomicFileWriter out(specFile);
        out.write(experiment::toJson(spec).dump(2));
        out.commit();
        experiment::WorkerJob job;
        job.kind = experiment::JobKind::Elicit;
        job.spec = specFile;
        job.cache = m_cacheDir.toStdString();
        job.rows = std::uint64_t(m_rows->value());
        for (const Candidate &c : m_candidates) job.prompts.push_back(c.prompt.toStdString());
        experiment::writeWorkerJob(m_jobDir->filePath(QStringLiteral("job.json")).toStdString(), job);
    } catch (const std::exception &e) {
        m_status->setText(tr("Cannot start the check: %1").arg(QString::fromStdString(e.what())));
        Q_EMIT finished(false);
        return;
    }
    m_table->setSortingEnabled(false);
    m_table->setRowCount(0);
    m_pending.clear();
    m_process = new QProcess(this);
    connect(m_process, &QProcess::readyReadStandardOutput, this, &ElicitationPanel::readEvents);
    connect(m_process, &QProcess::finished, this, &ElicitationPanel::onFinished);
    m_progress->setRange(0, 0);
    m_status->setText(tr("Loading the base model…"));
    setRunning(true);
    m_process->start(inoculabCliPath(), {QStringLiteral("worker"), QStringLiteral("--job"),
                                         m_jobDir->filePath(QStringLiteral("job.json"))});
}

void ElicitationPanel::cancel() {
    if (!isRunning()) return;
    m_status->setText(tr("Cancelling…"));
    m_process->terminate();  // the worker stops between steps; pretraining keeps its place
    QProcess *process = m_process;
    QTimer::singleShot(10000, process, [process] {
        if (process->state() != QProcess::NotRunning) process->kill();
    });
}

void ElicitationPanel::readEvents() {
    m_pending += m_process->readAllStandardOutput();
    qsizetype end;
    while ((end = m_pending.indexOf('\n')) >= 0) {
        QJsonObject event = QJsonDocument::fromJson(m_pending.left(end)).object();
        m_pending.remove(0, end + 1);
        const QString kind = event.value(QLatin1String("event")).toString();
        if (kind == QLatin1String("step") && event.value(QLatin1String("kind")) == QLatin1String("pretrain")) {
            m_progress->setRange(0, event.value(QLatin1String("steps")).toInt());
            m_progress->setValue(event.value(QLatin1String("step")).toInt());
            m_status->setText(tr("Pretraining the toy base model (once; it is cached)…"));
        } else if (kind == QLatin1String("start") && event.value(QLatin1String("kind")) == QLatin1String("elicit")) {
            m_progress->setRange(0, int(m_candidates.size()));
            m_progress->setValue(0);
            m_status->setText(tr("Scoring %1 rows (%2 skipped: too long for the context)…")
                                  .arg(event.value(QLatin1String("rows")).toInt())
                                  .arg(event.value(QLatin1String("skipped_rows")).toInt()));
        } else if (kind == QLatin1String("elicitation")) {
            int index = event.value(QLatin1String("index")).toInt();
            if (index < 0 || index >= m_candidates.size()) continue;
            int row = m_table->rowCount();
            m_table->insertRow(row);
            auto *prompt = new QTableWidgetItem(m_candidates[index].prompt.simplified());
            prompt->setToolTip(m_candidates[index].prompt);
            m_table->setItem(row, PromptColumn, prompt);
            m_table->setItem(row, SourceColumn, new QTableWidgetItem(m_candidates[index].source));
            m_table->setItem(row, WithoutColumn, new NumberItem(event.value(QLatin1String("loss_without")).toDouble()));
            m_table->setItem(row, WithColumn, new NumberItem(event.value(QLatin1String("loss_with")).toDouble()));
            m_table->setItem(row, DropColumn, new NumberItem(event.value(QLatin1String("drop")).toDouble()));
            m_progress->setValue(row + 1);
        }
    }
}

void ElicitationPanel::onFinished(int exitCode, QProcess::ExitStatus status) {
    readEvents();
    setRunning(false);
    bool ok = status == QProcess::NormalExit && exitCode == 0;
    if (ok) {
        m_status->setText(tr("Drop = loss without − loss with, on the same answer tokens. Click a header to sort."));
        m_table->setSortingEnabled(true);
        m_table->sortByColumn(DropColumn, Qt::DescendingOrder);
    } else if (status == QProcess::NormalExit && exitCode == 4) {
        m_status->setText(tr("Cancelled."));
    } else {
        QStringList lines = QString::fromUtf8(m_process->readAllStandardError()).trimmed().split('\n');
        while (lines.size() > 6) lines.removeFirst();
        for (QString &line : lines) line = line.toHtmlEscaped();
        QString how = status == QProcess::NormalExit ? tr("exit code %1").arg(exitCode) : m_process->errorString();
        m_status->setText(tr("<span style='color:#b02020'>The check failed (%1):</span> %2")
                              .arg(how.toHtmlEscaped(), lines.join(QStringLiteral("<br>"))));
    }
    m_process->deleteLater();
    m_process = nullptr;
    Q_EMIT finished(ok);
}

}  // namespace inoculab::ui
