#include "loss_chart.h"

#include <QChart>
#include <QLineSeries>
#include <QTimer>
#include <QValueAxis>

#include <cmath>

namespace inoculab::ui {

LossChart::LossChart(QWidget *parent)
    : QChartView(parent),
      m_throttle(new QTimer(this)),
      m_steps(new QValueAxis(this)),
      m_loss(new QValueAxis(this)) {
    auto *chart = new QChart;
    chart->setTitle(tr("Training loss (assistant tokens, nats)"));
    chart->legend()->setAlignment(Qt::AlignRight);
    m_steps->setTitleText(tr("step"));
    m_steps->setLabelFormat(QStringLiteral("%d"));
    m_loss->setTitleText(tr("loss"));
    chart->addAxis(m_steps, Qt::AlignBottom);
    chart->addAxis(m_loss, Qt::AlignLeft);
    chart->setMargins(QMargins(4, 4, 4, 4));
    setChart(chart);
    setRenderHint(QPainter::Antialiasing);
    setMinimumHeight(220);

    m_throttle->setSingleShot(true);
    m_throttle->setInterval(kRedrawMilliseconds);
    connect(m_throttle, &QTimer::timeout, this, &LossChart::redraw);
}

void LossChart::setCurve(const QString &label, const QVector<QPointF> &points) {
    m_pending[label] = points;  // shared, not copied, until the trainer appends again
    if (!m_throttle->isActive()) m_throttle->start();
}

int LossChart::pointCount(const QString &label) const {
    auto it = m_series.find(label);
    return it == m_series.end() ? 0 : int(it->second->count());
}

void LossChart::redraw() {
    ++m_redraws;
    for (const auto &[label, points] : m_pending) {
        QLineSeries *&series = m_series[label];
        if (!series) {
            series = new QLineSeries(this);
            chart()->addSeries(series);
            series->attachAxis(m_steps);
            series->attachAxis(m_loss);
        }
        series->setName(label);
        QList<QPointF> finite;
        finite.reserve(points.size());
        for (const QPointF &p : points)
            if (std::isfinite(p.y())) finite.append(p);
        series->replace(finite);  // one update for the whole batch of new points
    }
    m_pending.clear();
    double maxStep = 1, low = INFINITY, high = -INFINITY;
    for (const auto &[index, series] : m_series)
        for (const QPointF &p : series->points()) {
            maxStep = std::max(maxStep, p.x());
            low = std::min(low, p.y());
            high = std::max(high, p.y());
        }
    m_steps->setRange(0, maxStep);
    if (std::isfinite(low)) {
        m_loss->setRange(std::max(0.0, low - 0.05 * (high - low)), high + 0.05 * (high - low) + 1e-6);
        m_loss->applyNiceNumbers();
    }
    m_steps->applyNiceNumbers();
}

}  // namespace inoculab::ui
