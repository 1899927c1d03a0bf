#pragma once
// Error bars as plain line series: Qt Charts has no error-bar series, and lines stay vector
// paths in SVG and PDF exports. Each bar is one series tagged with the properties "role"
// ("errorbar"), "condition", "trait" and "context", so tests and tools can find it.
#include <QColor>
#include <QString>

class QChart;
class QAbstractAxis;
class QLineSeries;
class QObject;

namespace inoculab::ui::charts {

struct ErrorBarStyle {
    QColor color = Qt::black;
    double width = 1.2;  // pen width in chart units
    double cap = 0.12;   // half the cap's length, in x-axis units (y-axis units when horizontal)
};

// A vertical bar at x from low to high with caps; nullptr (nothing added) when a bound is NaN.
QLineSeries *addErrorBar(QChart *chart, QAbstractAxis *x, QAbstractAxis *y, double at, double low, double high,
                         const ErrorBarStyle &style, bool horizontal = false);
// Hides every legend marker of the series (bands, bars, seed points: the legend names conditions).
void hideFromLegend(QChart *chart, QObject *series);

}  // namespace inoculab::ui::charts
