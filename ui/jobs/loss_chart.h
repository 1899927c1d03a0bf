#pragma once
// LossChart: live training-loss curves of the running jobs. New points are only collected as
// they arrive; the chart is redrawn by a single-shot throttle timer (PlotJuggler's pattern),
// so a fast worker cannot flood the event loop with repaints.
#include <QChartView>

#include <map>

class QLineSeries;
class QTimer;
class QValueAxis;

namespace inoculab::ui {

class JobRunner;

class LossChart : public QChartView {
    Q_OBJECT
public:
    LossChart(JobRunner *runner, QWidget *parent = nullptr);

    static constexpr int kRedrawMilliseconds = 250;
    // Series shown (one per job with a loss); for tests.
    int seriesCount() const { return int(m_series.size()); }
    int pointCount(int jobIndex) const;
    int redraws() const { return m_redraws; }

private:
    void redraw();

    JobRunner *m_runner;
    QTimer *m_throttle;
    QValueAxis *m_steps;
    QValueAxis *m_loss;
    std::map<int, QLineSeries *> m_series;
    std::map<int, bool> m_dirty;
    int m_redraws = 0;
};

}  // namespace inoculab::ui
