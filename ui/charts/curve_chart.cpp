#include "curve_chart.h"

#include "error_bars.h"

#include <QAreaSeries>
#include <QChart>
#include <QLegend>
#include <QLineSeries>
#include <QScatterSeries>
#include <QValueAxis>

#include <algorithm>
#include <cmath>
#include <limits>

namespace inoculab::ui::charts {

QChart *buildCurveChart(const ResultsData &data, const ChartRequest &request, const PaperTheme &theme) {
    auto *chart = new QChart;
    const QString series = effectiveSeries(data, request);
    std::vector<store::Curve> curves = curvesFor(data, request);
    const double unit = theme.unitsPerPoint;

    auto *x = new QValueAxis;
    x->setTitleText(QObject::tr("Training step"));
    x->setLabelFormat(QStringLiteral("%d"));
    auto *y = new QValueAxis;
    QString label = seriesLabel(series);
    if (series.startsWith(QLatin1String("trait:")))
        label += QObject::tr(" (context: %1)").arg(effectiveContext(data, request));
    y->setTitleText(label);
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);

    double minX = std::numeric_limits<double>::infinity(), maxX = -minX, minY = minX, maxY = -minX;
    auto extend = [&](double px, double py) {
        if (!std::isfinite(py)) return;
        minX = std::min(minX, px), maxX = std::max(maxX, px), minY = std::min(minY, py), maxY = std::max(maxY, py);
    };
    std::vector<QString> order = data.conditionsBaselineFirst();
    for (const store::Curve &curve : curves) {
        const QString name = QString::fromStdString(curve.condition);
        const int colorIndex = int(std::find(order.begin(), order.end(), name) - order.begin());
        const QColor color = paletteColor(colorIndex);
        auto *mean = new QLineSeries;
        mean->setName(name);
        mean->setProperty("role", QStringLiteral("curve"));
        mean->setProperty("condition", name);
        auto *upper = new QLineSeries;
        auto *lower = new QLineSeries;
        for (const store::CurvePoint &p : curve.points) {
            if (!std::isfinite(p.interval.mean)) continue;
            const double s = double(p.step);
            mean->append(s, p.interval.mean);
            // One seed has no interval: the band narrows to the mean there.
            const double hi = std::isfinite(p.interval.high) ? p.interval.high : p.interval.mean;
            const double lo = std::isfinite(p.interval.low) ? p.interval.low : p.interval.mean;
            upper->append(s, hi);
            lower->append(s, lo);
            extend(s, hi), extend(s, lo);
        }
        auto *band = new QAreaSeries(upper, lower);
        upper->setParent(band);
        lower->setParent(band);
        QColor fill = color;
        fill.setAlpha(colorIndex == 0 ? 28 : 45);  // black would darken everything beneath it
        band->setBrush(fill);
        band->setPen(Qt::NoPen);
        band->setProperty("role", QStringLiteral("band"));
        band->setProperty("condition", name);
        chart->addSeries(band);
        band->attachAxis(x);
        band->attachAxis(y);
        hideFromLegend(chart, band);
        mean->setPen(QPen(color, 1.8 * unit));
        chart->addSeries(mean);
        mean->attachAxis(x);
        mean->attachAxis(y);
        if (mean->count() == 1) {  // a single step draws no line: mark it
            auto *dot = new QScatterSeries;
            dot->append(mean->at(0));
            dot->setColor(color);
            dot->setMarkerSize(7 * unit);
            dot->setProperty("role", QStringLiteral("point"));
            chart->addSeries(dot);
            dot->attachAxis(x);
            dot->attachAxis(y);
            hideFromLegend(chart, dot);
        }
    }
    if (std::isfinite(minX)) {
        x->setRange(minX, maxX > minX ? maxX : minX + 1);
        if (series.startsWith(QLatin1String("trait:"))) {
            y->setRange(0, std::max(1.0, maxY));  // a probability, drawn as in the expression chart
            y->setTickCount(6);
            y->setLabelFormat(QStringLiteral("%.1f"));
        } else {
            double pad = maxY > minY ? (maxY - minY) * 0.05 : 0.5;
            y->setRange(minY - pad, maxY + pad);
            y->applyNiceNumbers();
        }
        if (maxX - minX >= 1 && maxX - minX <= 10) x->setTickCount(int(maxX - minX) + 1);
    }
    placeLegend(chart);
    if (!theme.paper)
        chart->setTitle(QObject::tr("%1: %2 over training, mean and 95% CI across seeds")
                            .arg(data.experimentName, seriesLabel(series)));
    applyTheme(chart, theme);
    return chart;
}

}  // namespace inoculab::ui::charts
