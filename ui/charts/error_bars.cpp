#include "error_bars.h"

#include <QChart>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QPen>

#include <cmath>

namespace inoculab::ui::charts {

QLineSeries *addErrorBar(QChart *chart, QAbstractAxis *x, QAbstractAxis *y, double at, double low, double high,
                         const ErrorBarStyle &style, bool horizontal) {
    if (std::isnan(low) || std::isnan(high) || std::isnan(at)) return nullptr;
    auto *bar = new QLineSeries;
    // One polyline drawing the bar and both caps: cap, back to the middle, up, other cap.
    const double c = style.cap;
    QList<QPointF> points = {{at - c, low}, {at + c, low}, {at, low}, {at, high}, {at - c, high}, {at + c, high}};
    if (horizontal)
        for (QPointF &p : points) p = QPointF(p.y(), p.x());
    bar->append(points);
    QPen pen(style.color, style.width);
    pen.setCapStyle(Qt::FlatCap);
    bar->setPen(pen);
    bar->setProperty("role", QStringLiteral("errorbar"));
    chart->addSeries(bar);
    bar->attachAxis(x);
    bar->attachAxis(y);
    hideFromLegend(chart, bar);
    return bar;
}

void hideFromLegend(QChart *chart, QObject *series) {
    for (QLegendMarker *marker : chart->legend()->markers(qobject_cast<QAbstractSeries *>(series)))
    {
        marker->setVisible(false);
        // Read back by placeLegend: a marker's isVisible() says false for all before the chart is shown.
        marker->setProperty("hidden", true);
    }
}

}  // namespace inoculab::ui::charts
