#include "dataset/validation_panel.h"

#include "common/input_error.h"
#include "dataset/background_job.h"
#include "dataset/dataset_workspace.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QProgressBar>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace inoculab::ui {

namespace {

enum Column { LineColumn, RowColumn, ProblemColumn };
constexpr int kRowRole = Qt::UserRole;

struct ValidationRun {
    data::ValidationReport report;
    QString error;
};

}  // namespace

ValidationPanel::ValidationPanel(QWidget *parent, QThreadPool *pool)
    : QWidget(parent),
      m_job(new BackgroundJob(this, pool)),
      m_summary(new QLabel(this)),
      m_progress(new QProgressBar(this)),
      m_list(new QTreeWidget(this)) {
    m_progress->setRange(0, 1000);
    m_progress->setMaximumWidth(160);
    m_progress->setTextVisible(false);
    keepPlaceWhenHidden(m_progress);
    m_progress->hide();
    m_summary->setText(tr("No dataset open."));
    m_list->setColumnCount(3);
    m_list->setHeaderLabels({tr("Line"), tr("Row"), tr("Problem")});
    m_list->setRootIsDecorated(false);
    m_list->setUniformRowHeights(true);
    m_list->setAlternatingRowColors(true);
    m_list->header()->setStretchLastSection(true);
    m_list->setColumnWidth(LineColumn, 80);
    m_list->setColumnWidth(RowColumn, 80);
    m_list->setToolTip(tr("Click a problem to show its row."));

    auto *top = new QHBoxLayout;
    top->addWidget(m_summary, 1);
    top->addWidget(m_progress);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(top);
    layout->addWidget(m_list, 1);

    connect(m_job, &BackgroundJob::progressChanged, m_progress, &QProgressBar::setValue);
    connect(m_job, &BackgroundJob::runningChanged, m_progress, &QWidget::setVisible);
    connect(m_list, &QTreeWidget::itemClicked, this, &ValidationPanel::activate);
    connect(m_list, &QTreeWidget::itemActivated, this, &ValidationPanel::activate);
}

bool ValidationPanel::isRunning() const { return m_job->isRunning(); }

void ValidationPanel::cancel() { m_job->cancel(); }

void ValidationPanel::validate(const QString &path, data::DatasetFormat format) {
    m_list->clear();
    m_report = {};
    if (path.isEmpty()) {
        m_job->cancel();
        m_summary->setText(tr("No dataset open."));
        return;
    }
    m_summary->setText(tr("Validating…"));
    std::string file = path.toStdString();
    m_job->start<ValidationRun>(
        [file, format](const common::CancelToken &cancel, const common::ProgressFn &progress) {
            ValidationRun run;
            data::ValidationOptions options;
            options.format = format;
            options.maxProblems = kMaxListed;
            options.cancel = &cancel;
            options.progress = progress;
            try {
                run.report = data::validateDataset(file, options);
            } catch (const common::Cancelled &) {
            } catch (const std::exception &e) {
                run.error = QString::fromStdString(e.what());
            }
            return run;
        },
        [this](ValidationRun run) { show(run.report, run.error); });
}

void ValidationPanel::show(const data::ValidationReport &report, const QString &error) {
    m_report = report;
    QLocale locale;
    if (!error.isEmpty()) {
        m_summary->setText(tr("Validation failed: %1").arg(error));
    } else if (report.ok()) {
        m_summary->setText(tr("No problems in %1 rows.").arg(locale.toString(qulonglong(report.rows))));
    } else {
        QString shown = report.problems.size() < report.problemCount
                            ? tr(" (first %1 listed)").arg(locale.toString(qulonglong(report.problems.size())))
                            : QString();
        m_summary->setText(tr("%1 problems in %2 of %3 rows%4. Click one to show its row.")
                               .arg(locale.toString(qulonglong(report.problemCount)))
                               .arg(locale.toString(qulonglong(report.invalidRows)))
                               .arg(locale.toString(qulonglong(report.rows)))
                               .arg(shown));
    }
    QList<QTreeWidgetItem *> items;
    items.reserve(qsizetype(report.problems.size()));
    for (const data::ValidationProblem &problem : report.problems) {
        auto *item = new QTreeWidgetItem;
        bool wholeFile = problem.line == 0;
        item->setText(LineColumn, wholeFile ? QString() : QString::number(problem.line));
        item->setText(RowColumn, wholeFile ? QString() : QString::number(problem.row));
        // Reasons already name the column where one matters ("invalid JSON at column 47").
        item->setText(ProblemColumn, QString::fromStdString(problem.reason));
        item->setToolTip(ProblemColumn, QString::fromStdString(data::formatProblem(report.file, problem)));
        item->setData(LineColumn, kRowRole, wholeFile ? -1 : qlonglong(problem.row));
        item->setTextAlignment(LineColumn, Qt::AlignRight | Qt::AlignVCenter);
        item->setTextAlignment(RowColumn, Qt::AlignRight | Qt::AlignVCenter);
        items.append(item);
    }
    m_list->addTopLevelItems(items);
    Q_EMIT finished();
}

void ValidationPanel::activate(QTreeWidgetItem *item) {
    if (!item) return;
    qlonglong row = item->data(LineColumn, kRowRole).toLongLong();
    if (row >= 0) Q_EMIT rowRequested(int(row));
}

}  // namespace inoculab::ui
