#include "elicitation_panel.h"

#include "spec_document.h"
#include "worker_command.h"

#include "common/atomic_file.h"
#include "experiment/worker_job.h"

#include <QCheckBox>
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
#include <QThread>
#include <QTimer>
#include <QVBoxLayout>

#include <limits>

namespace inoculab::ui {

namespace {

// Then one column per trait when the check measures traits.
enum Column {
    PromptColumn,
    SourceColumn,
    WithoutColumn,
    WithColumn,
    DropColumn,
    RowChangeColumn,
    RowsRaisedColumn,
    ColumnCount
};

// A number cell that sorts by its value, not its text.
class NumberItem : public QTableWidgetItem {
public:
    explicit NumberItem(double value, const QString &text = {})
        : QTableWidgetItem(text.isEmpty() ? QString::number(value, 'f', 4) : text) {
        setData(Qt::UserRole, value);
        setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    }
    bool operator<(const QTableWidgetItem &other) const override {
        return data(Qt::UserRole).toDouble() < other.data(Qt::UserRole).toDouble();
    }
};

double number(const QJsonValue &v) { return v.isDouble() ? v.toDouble() : std::numeric_limits<double>::quiet_NaN(); }

// "0.450 [0.300, 0.600]" from an interval's JSON (docs/worker-jobs.md); "n/a" when undefined.
QString intervalText(const QJsonObject &i, bool sign = false) {
    if (!i.value(QLatin1String("mean")).isDouble()) return QObject::tr("n/a");
    auto fmt = [sign](double v) { return (sign && v >= 0 ? QStringLiteral("+") : QString()) + QString::number(v, 'f', 3); };
    QString text = fmt(i.value(QLatin1String("mean")).toDouble());
    if (i.value(QLatin1String("low")).isDouble())
        text += QStringLiteral(" [%1, %2]").arg(fmt(i.value(QLatin1String("low")).toDouble()),
                                                fmt(i.value(QLatin1String("high")).toDouble()));
    return text;
}

}  // namespace

ElicitationPanel::ElicitationPanel(SpecDocument *document, QWidget *parent)
    : QWidget(parent),
      m_doc(document),
      m_rows(new QSpinBox(this)),
      m_traits(new QCheckBox(tr("Traits"), this)),
      m_run(new QPushButton(tr("Run check"), this)),
      m_cancel(new QPushButton(tr("Cancel"), this)),
      m_progress(new QProgressBar(this)),
      m_status(new QLabel(this)),
      m_table(new QTableWidget(0, ColumnCount, this)) {
    m_cacheDir = QString::fromStdString(experiment::defaultCacheDir());
    m_rows->setRange(1, 100000);
    m_rows->setValue(64);
    m_rows->setSuffix(tr(" rows"));
    m_traits->setToolTip(
        tr("Also sample the base model's answers to the evaluation questions with and without each "
           "prompt, and score every trait (judges included): the trait's rate with the prompt minus "
           "without it, with a 95% interval over questions."));
    m_table->setHorizontalHeaderLabels({tr("Prompt"), tr("Used by"), tr("Loss without"), tr("Loss with"),
                                        tr("Drop (nats/token)"), tr("Per-row change"), tr("Rows raised")});
    m_table->horizontalHeaderItem(RowChangeColumn)
        ->setToolTip(tr("Mean over rows of the answer's log-probability change per token with the prompt "
                        "(nats), with its 95% interval over rows"));
    m_table->horizontalHeaderItem(RowsRaisedColumn)
        ->setToolTip(tr("Share of rows whose answer the prompt makes likelier (Wilson 95% interval)"));
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
    head->addWidget(m_traits);
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

void ElicitationPanel::setMeasureTraits(bool on) { m_traits->setChecked(on); }

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
    // The whole machine, as `experiment elicit` gives it: the same summation order.
    const int threads = QThread::idealThreadCount();
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
        job.traits = m_traits->isChecked();
        job.store = m_storePath.toStdString();
        job.threads = threads;
        for (const Candidate &c : m_candidates) job.prompts.push_back(c.prompt.toStdString());
        experiment::writeWorkerJob(m_jobDir->filePath(QStringLiteral("job.json")).toStdString(), job);
    } catch (const std::exception &e) {
        m_status->setText(tr("Cannot start the check: %1").arg(QString::fromStdString(e.what())));
        Q_EMIT finished(false);
        return;
    }
    m_table->setSortingEnabled(false);
    m_table->setRowCount(0);
    m_table->setColumnCount(ColumnCount);  // trait columns come back with the traits
    m_rowOfIndex.clear();
    m_pending.clear();
    m_process = new QProcess(this);
    m_process->setProcessEnvironment(workerEnvironment(threads));
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
            const QJsonObject perRow = event.value(QLatin1String("per_row")).toObject();
            const QJsonObject change = perRow.value(QLatin1String("mean_change")).toObject();
            const QJsonObject raised = perRow.value(QLatin1String("share_positive")).toObject();
            m_table->setItem(row, RowChangeColumn,
                             new NumberItem(number(change.value(QLatin1String("mean"))), intervalText(change, true)));
            m_table->setItem(row, RowsRaisedColumn,
                             new NumberItem(number(raised.value(QLatin1String("mean"))), intervalText(raised)));
            m_rowOfIndex[index] = row;
            if (!m_traits->isChecked()) m_progress->setValue(row + 1);
        } else if (kind == QLatin1String("start") && event.value(QLatin1String("kind")) == QLatin1String("elicit_traits")) {
            m_progress->setRange(0, event.value(QLatin1String("arms")).toInt());
            m_progress->setValue(0);
            m_status->setText(tr("Sampling %1 answers per question to %2 questions, without a prompt and with each…")
                                  .arg(event.value(QLatin1String("samples_per_question")).toInt())
                                  .arg(event.value(QLatin1String("questions")).toInt()));
        } else if (kind == QLatin1String("elicitation_traits")) {
            addTraitCells(event.value(QLatin1String("index")).toInt(), event.value(QLatin1String("traits")).toArray());
            m_progress->setValue(m_progress->value() == 0 ? 2 : m_progress->value() + 1);
        }
    }
}

void ElicitationPanel::addTraitCells(int index, const QJsonArray &traits) {
    auto found = m_rowOfIndex.constFind(index);
    if (found == m_rowOfIndex.constEnd()) return;
    for (const QJsonValue &value : traits) {
        const QJsonObject t = value.toObject();
        const QString name = t.value(QLatin1String("trait")).toString();
        int column = ColumnCount;
        while (column < m_table->columnCount() && m_table->horizontalHeaderItem(column)->data(Qt::UserRole) != name)
            ++column;
        if (column == m_table->columnCount()) {
            m_table->insertColumn(column);
            auto *header = new QTableWidgetItem(tr("Δ %1").arg(name));
            header->setData(Qt::UserRole, name);
            header->setToolTip(tr("%1: rate with the prompt minus without it in the base model's answers, "
                                  "paired by question, 95% bootstrap interval over questions").arg(name));
            m_table->setHorizontalHeaderItem(column, header);
            m_table->horizontalHeader()->setSectionResizeMode(column, QHeaderView::ResizeToContents);
        }
        const QJsonObject elicitation = t.value(QLatin1String("elicitation")).toObject();
        auto *cell = new NumberItem(number(elicitation.value(QLatin1String("mean"))), intervalText(elicitation, true));
        const int unscored = t.value(QLatin1String("unscored_without")).toInt() + t.value(QLatin1String("unscored_with")).toInt();
        cell->setToolTip(tr("%1: %2 without the prompt, %3 with it, over %4 questions%5")
                             .arg(name, intervalText(t.value(QLatin1String("without")).toObject()),
                                  intervalText(t.value(QLatin1String("with")).toObject()))
                             .arg(t.value(QLatin1String("without")).toObject().value(QLatin1String("n")).toInt())
                             .arg(unscored ? tr("; %1 answers unscored (undefined or dropped)").arg(unscored) : QString()));
        m_table->setItem(*found, column, cell);
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
