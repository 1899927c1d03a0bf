#include "elicitation_chart.h"

#include "error_bars.h"

#include <QChart>
#include <QLegend>
#include <QLineSeries>
#include <QScatterSeries>
#include <QValueAxis>

#include <algorithm>
#include <cmath>
#include <limits>

namespace inoculab::ui::charts {

QChart *buildElicitationChart(const ResultsData &data, const ChartRequest &request, const PaperTheme &theme) {
    auto *chart = new QChart;
    const double unit = theme.unitsPerPoint;
    const QString context = effectiveContext(data, request);
    const std::optional<QString> baseline = data.baseline();
    std::vector<QString> order = data.conditionsBaselineFirst();

    auto *x = new QValueAxis;
    x->setTitleText(QObject::tr("Elicitation: drop in initial training loss vs baseline"));
    auto *y = new QValueAxis;
    y->setTitleText(QObject::tr("Suppression: baseline − condition P(trait)"));
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);

    double minX = 0, maxX = 0, minY = 0, maxY = 0;  // the origin stays in view
    auto extend = [](double v, double &lo, double &hi) {
        if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
    };
    const QScatterSeries::MarkerShape shapes[] = {
        QScatterSeries::MarkerShapeCircle, QScatterSeries::MarkerShapeRectangle, QScatterSeries::MarkerShapeTriangle,
        QScatterSeries::MarkerShapeRotatedRectangle, QScatterSeries::MarkerShapePentagon};
    const QStringList traits = effectiveTraits(data, request);
    for (int t = 0; baseline && t < traits.size(); ++t) {
        auto it = data.elicitation.find(traits[t] + "@" + context);
        if (it == data.elicitation.end()) continue;
        auto base = std::find_if(it->second.begin(), it->second.end(), [&](const store::ElicitationPair &p) {
            return QString::fromStdString(p.condition) == *baseline;
        });
        if (base == it->second.end()) continue;
        for (const store::ElicitationPair &p : it->second) {
            const QString name = QString::fromStdString(p.condition);
            if (name == *baseline) continue;
            const QColor color = paletteColor(int(std::find(order.begin(), order.end(), name) - order.begin()));
            const double px = base->elicitation.mean - p.elicitation.mean;
            const double py = base->expression.mean - p.expression.mean;
            if (!std::isfinite(px) || !std::isfinite(py)) continue;
            ErrorBarStyle style;
            style.color = color.darker(120);
            style.width = 1.0 * unit;
            ErrorBarStyle horizontal = style;
            // Caps in the other axis's units, so both kinds look alike once ranges are known.
            style.cap = 0, horizontal.cap = 0;
            if (QLineSeries *bar = addErrorBar(chart, x, y, px, base->expression.mean - p.expression.high,
                                               base->expression.mean - p.expression.low, style)) {
                bar->setProperty("condition", name);
                bar->setProperty("trait", traits[t]);
                bar->setProperty("context", context);
            }
            if (QLineSeries *bar = addErrorBar(chart, x, y, py, base->elicitation.mean - p.elicitation.high,
                                               base->elicitation.mean - p.elicitation.low, horizontal, true)) {
                bar->setProperty("condition", name);
                bar->setProperty("trait", traits[t]);
                bar->setProperty("context", context);
            }
            auto *point = new QScatterSeries;
            point->setName(traits.size() > 1 ? QStringLiteral("%1 · %2").arg(name, traits[t]) : name);
            point->setProperty("role", QStringLiteral("mean"));
            point->setProperty("condition", name);
            point->setProperty("trait", traits[t]);
            point->setMarkerShape(shapes[t % 5]);
            point->setMarkerSize(9 * unit);
            point->setColor(color);
            point->setBorderColor(color);
            point->append(px, py);
            chart->addSeries(point);
            point->attachAxis(x);
            point->attachAxis(y);
            extend(base->elicitation.mean - p.elicitation.high, minX, maxX);
            extend(base->elicitation.mean - p.elicitation.low, minX, maxX);
            extend(px, minX, maxX);
            extend(base->expression.mean - p.expression.high, minY, maxY);
            extend(base->expression.mean - p.expression.low, minY, maxY);
            extend(py, minY, maxY);
        }
    }
    const double padX = std::max(0.05, (maxX - minX) * 0.1), padY = std::max(0.05, (maxY - minY) * 0.1);
    x->setRange(minX - padX, maxX + padX);
    y->setRange(minY - padY, maxY + padY);
    x->applyNiceNumbers();
    y->applyNiceNumbers();
    // Zero lines: right of x = 0 the prompt elicits the trait; above y = 0 it suppresses it.
    for (bool vertical : {true, false}) {
        auto *zero = new QLineSeries;
        if (vertical)
            zero->append({{0, y->min()}, {0, y->max()}});
        else
            zero->append({{x->min(), 0}, {x->max(), 0}});
        zero->setPen(QPen(QColor(0x88, 0x88, 0x88), 0.8 * unit, Qt::DashLine));
        zero->setProperty("role", QStringLiteral("zero"));
        chart->addSeries(zero);
        zero->attachAxis(x);
        zero->attachAxis(y);
        hideFromLegend(chart, zero);
    }
    chart->legend()->setAlignment(Qt::AlignBottom);
    if (!baseline)
        chart->setTitle(
            QObject::tr("Elicitation against suppression needs a baseline condition (one without a prompt)"));
    else if (!theme.paper)
        chart->setTitle(QObject::tr("%1: elicitation before training against suppression after (context: %2)")
                            .arg(data.experimentName, context));
    applyTheme(chart, theme);
    return chart;
}

}  // namespace inoculab::ui::charts
