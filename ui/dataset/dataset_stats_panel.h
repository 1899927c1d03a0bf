#pragma once
// DatasetStatsPanel: what a researcher checks before training on a file (rows, messages by
// role, system prompts, lengths) and a histogram of rendered row lengths. The numbers come
// from core computeDatasetStats, run in the background.
#include "data/dataset_stats.h"

#include <QWidget>

class QChart;
class QChartView;
class QLabel;
class QProgressBar;
class QThreadPool;

namespace inoculab::ui {

class BackgroundJob;

class DatasetStatsPanel : public QWidget {
    Q_OBJECT
public:
    // Passes run on `pool` (see BackgroundJob), or on a thread of the panel's own.
    explicit DatasetStatsPanel(QWidget *parent = nullptr, QThreadPool *pool = nullptr);

    // Starts computing (cancelling a run in progress); empty path: clear.
    void compute(const QString &path, data::DatasetFormat format);
    bool isRunning() const;
    void cancel();
    // Set once a run has finished.
    const std::optional<data::DatasetStats> &stats() const { return m_stats; }
    QChartView *chartView() const { return m_chartView; }
    QString figure(const QString &name) const;  // the shown text of one figure, for tests

Q_SIGNALS:
    void finished();

private:
    void show(const data::DatasetStats &stats);
    void showHistogram(const data::LengthHistogram &histogram);
    void clearFigures(const QString &placeholder);

    BackgroundJob *m_job;
    QProgressBar *m_progress;
    QLabel *m_status;
    std::vector<std::pair<QString, QLabel *>> m_figures;
    QChart *m_chart;
    QChartView *m_chartView;
    std::optional<data::DatasetStats> m_stats;
};

}  // namespace inoculab::ui
