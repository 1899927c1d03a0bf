#pragma once
// LossChart: live training-loss curves of the runs being trained, here or on a cluster. New
// points are only collected as they arrive; the chart is redrawn by a single-shot throttle
// timer (PlotJuggler's pattern), so a fast worker cannot flood the event loop with repaints.
#include <QChartView>
#include <QPointF>
#include <QString>
#include <QVector>

#include <map>

class QLineSeries;
class QTimer;
class QValueAxis;

namespace inoculab::ui {

class LossChart : public QChartView {
    Q_OBJECT
public:
    explicit LossChart(QWidget *parent = nullptr);

    static constexpr int kRedrawMilliseconds = 250;
    // The whole curve of run `label` ("baseline/seed0") so far: (step, train loss); NaN
    // losses are left out. Drawn at the next redraw.
    void setCurve(const QString &label, const QVector<QPointF> &points);
    // Series shown (one per run with a loss); for tests.
    int seriesCount() const { return int(m_series.size()); }
    int pointCount(const QString &label) const;
    int redraws() const { return m_redraws; }

private:
    void redraw();

    QTimer *m_throttle;
    QValueAxis *m_steps;
    QValueAxis *m_loss;
    std::map<QString, QLineSeries *> m_series;
    std::map<QString, QVector<QPointF>> m_pending;  // curves changed since the last redraw
    int m_redraws = 0;
};

}  // namespace inoculab::ui
