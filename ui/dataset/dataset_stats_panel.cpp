#include "dataset/dataset_stats_panel.h"

#include "common/input_error.h"
#include "data/conversation.h"
#include "dataset/background_job.h"
#include "dataset/dataset_workspace.h"

#include <QAreaSeries>
#include <QChart>
#include <QChartView>
#include <QFormLayout>
#include <QLabel>
#include <QLineSeries>
#include <QLocale>
#include <QProgressBar>
#include <QVBoxLayout>
#include <QValueAxis>

namespace inoculab::ui {

namespace {

struct StatsRun {
    std::optional<data::DatasetStats> stats;
    QString error;
};

// Figure names double as the keys tests read them by.
const char *const kRows = QT_TRANSLATE_NOOP("DatasetStatsPanel", "Rows");
const char *const kInvalid = QT_TRANSLATE_NOOP("DatasetStatsPanel", "Invalid rows");
const char *const kMessages = QT_TRANSLATE_NOOP("DatasetStatsPanel", "Messages");
const char *const kSystemRows = QT_TRANSLATE_NOOP("DatasetStatsPanel", "With system prompt");
const char *const kDistinct = QT_TRANSLATE_NOOP("DatasetStatsPanel", "Distinct system prompts");
const char *const kTurns = QT_TRANSLATE_NOOP("DatasetStatsPanel", "Turns per row");
const char *const kRendered = QT_TRANSLATE_NOOP("DatasetStatsPanel", "Rendered bytes");

}  // namespace

DatasetStatsPanel::DatasetStatsPanel(QWidget *parent, QThreadPool *pool)
    : QWidget(parent),
      m_job(new BackgroundJob(this, pool)),
      m_progress(new QProgressBar(this)),
      m_status(new QLabel(this)),
      m_chart(new QChart),
      m_chartView(new QChartView(m_chart, this)) {
    m_progress->setRange(0, 1000);
    m_progress->setTextVisible(false);
    m_progress->setMaximumWidth(160);
    keepPlaceWhenHidden(m_progress);
    m_progress->hide();

    auto *form = new QFormLayout;
    form->setLabelAlignment(Qt::AlignRight);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    for (const char *name : {kRows, kInvalid, kMessages, kSystemRows, kDistinct, kTurns, kRendered}) {
        auto *value = new QLabel(this);
        value->setTextInteractionFlags(Qt::TextSelectableByMouse);
        form->addRow(tr(name) + QLatin1Char(':'), value);
        m_figures.emplace_back(tr(name), value);
    }
    auto *top = new QVBoxLayout;
    top->addLayout(form);
    top->addWidget(m_status);
    top->addWidget(m_progress);

    m_chart->legend()->hide();
    m_chart->setTitle(tr("Rendered length per row"));
    m_chart->setMargins(QMargins(4, 4, 4, 4));
    m_chart->setBackgroundRoundness(0);
    m_chartView->setRenderHint(QPainter::Antialiasing);
    m_chartView->setMinimumSize(280, 200);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(top, 0);
    layout->addWidget(m_chartView, 1);

    connect(m_job, &BackgroundJob::progressChanged, m_progress, &QProgressBar::setValue);
    connect(m_job, &BackgroundJob::runningChanged, m_progress, &QWidget::setVisible);
    clearFigures(tr("No dataset open."));
}

bool DatasetStatsPanel::isRunning() const { return m_job->isRunning(); }

void DatasetStatsPanel::cancel() { m_job->cancel(); }

QString DatasetStatsPanel::figure(const QString &name) const {
    for (const auto &[key, label] : m_figures)
        if (key == name) return label->text();
    return {};
}

void DatasetStatsPanel::clearFigures(const QString &placeholder) {
    for (const auto &entry : m_figures) entry.second->setText(QStringLiteral("–"));
    m_status->setText(placeholder);
    m_chart->removeAllSeries();
    for (QAbstractAxis *axis : m_chart->axes()) {
        m_chart->removeAxis(axis);
        delete axis;
    }
}

void DatasetStatsPanel::compute(const QString &path, data::DatasetFormat format) {
    m_stats.reset();
    if (path.isEmpty()) {
        m_job->cancel();
        clearFigures(tr("No dataset open."));
        return;
    }
    clearFigures(tr("Computing statistics…"));
    std::string file = path.toStdString();
    m_job->start<StatsRun>(
        [file, format](const common::CancelToken &cancel, const common::ProgressFn &progress) {
            StatsRun run;
            try {
                run.stats = data::computeDatasetStats(file, format, &cancel, progress);
            } catch (const common::Cancelled &) {
            } catch (const std::exception &e) {
                run.error = QString::fromStdString(e.what());
            }
            return run;
        },
        [this](StatsRun run) {
            if (run.stats)
                show(*run.stats);
            else
                clearFigures(tr("Statistics failed: %1").arg(run.error));
            Q_EMIT finished();
        });
}

void DatasetStatsPanel::show(const data::DatasetStats &stats) {
    m_stats = stats;
    QLocale locale;
    auto n = [&](std::uint64_t v) { return locale.toString(qulonglong(v)); };
    auto set = [&](const char *name, const QString &text) {
        for (const auto &[key, label] : m_figures)
            if (key == tr(name)) label->setText(text);
    };
    std::uint64_t valid = stats.rows - stats.invalidRows;
    auto share = [&](std::uint64_t part) {
        return valid == 0 ? QString() : QStringLiteral(" (%1%)").arg(100.0 * double(part) / double(valid), 0, 'f', 1);
    };
    const auto &byRole = stats.messagesByRole;
    set(kRows, tr("%1 (%2)").arg(n(stats.rows), locale.formattedDataSize(qint64(stats.bytes))));
    set(kInvalid, n(stats.invalidRows));
    set(kMessages, tr("%1 system · %2 user · %3 assistant")
                       .arg(n(byRole[std::size_t(data::Role::System)]))
                       .arg(n(byRole[std::size_t(data::Role::User)]))
                       .arg(n(byRole[std::size_t(data::Role::Assistant)])));
    set(kSystemRows, n(stats.rowsWithSystemPrompt) + share(stats.rowsWithSystemPrompt));
    set(kDistinct, n(stats.distinctSystemPrompts));
    set(kTurns, tr("median %1 · max %2").arg(stats.turnsPerRow.p50).arg(stats.turnsPerRow.max));
    set(kRendered, tr("median %1 · p99 %2 · max %3")
                       .arg(n(stats.renderedBytes.p50))
                       .arg(n(stats.renderedBytes.p99))
                       .arg(n(stats.renderedBytes.max)));
    m_status->setText(stats.renderedHistogram.above > 0
                          ? tr("The chart stops at the 99th percentile; %1 longer rows are not drawn.")
                                .arg(n(stats.renderedHistogram.above))
                          : QString());
    showHistogram(stats.renderedHistogram);
}

void DatasetStatsPanel::showHistogram(const data::LengthHistogram &histogram) {
    m_chart->removeAllSeries();
    for (QAbstractAxis *axis : m_chart->axes()) {
        m_chart->removeAxis(axis);
        delete axis;
    }
    if (histogram.binWidth == 0) return;
    // A step outline filled down to zero: one series however many bins, and a numeric x
    // axis (a bar chart's category axis would label every bin).
    auto *upper = new QLineSeries;
    std::uint64_t highest = 0;
    for (std::size_t i = 0; i < histogram.counts.size(); ++i) {
        double x0 = double(histogram.binStart + i * histogram.binWidth);
        double y = double(histogram.counts[i]);
        upper->append(x0, y);
        upper->append(x0 + double(histogram.binWidth), y);
        highest = std::max(highest, histogram.counts[i]);
    }
    auto *area = new QAreaSeries(upper);
    QColor fill = palette().color(QPalette::Highlight);
    area->setPen(QPen(fill.darker(130), 1));
    fill.setAlpha(150);
    area->setBrush(fill);
    m_chart->addSeries(area);

    auto *x = new QValueAxis;
    x->setTitleText(tr("rendered bytes"));
    x->setLabelFormat(QStringLiteral("%d"));
    x->setRange(double(histogram.binStart), double(histogram.binStart + histogram.counts.size() * histogram.binWidth));
    x->applyNiceNumbers();
    auto *y = new QValueAxis;
    y->setTitleText(tr("rows"));
    y->setLabelFormat(QStringLiteral("%d"));
    y->setRange(0, double(std::max<std::uint64_t>(highest, 1)) * 1.05);
    y->applyNiceNumbers();
    m_chart->addAxis(x, Qt::AlignBottom);
    m_chart->addAxis(y, Qt::AlignLeft);
    area->attachAxis(x);
    area->attachAxis(y);
}

}  // namespace inoculab::ui
