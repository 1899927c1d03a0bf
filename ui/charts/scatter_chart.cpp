#include "scatter_chart.h"

#include "error_bars.h"
#include "two_trait_points.h"

#include <QChart>
#include <QLegend>
#include <QLineSeries>
#include <QScatterSeries>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

namespace inoculab::ui::charts {

QChart *buildScatterChart(const ResultsData &data, const ChartRequest &request, const PaperTheme &theme) {
    auto *chart = new QChart;
    const TwoTraitPoints two = twoTraitPoints(data, request);
    const double unit = theme.unitsPerPoint;
    const double ink = theme.paper ? 0.65 * theme.fontPoints / 9.0 : 1.0;
    const std::vector<QString> order = data.conditionsBaselineFirst();

    auto *x = new QValueAxis;
    auto *y = new QValueAxis;
    x->setTitleText(QObject::tr("P(%1)").arg(two.traitA.isEmpty() ? QObject::tr("trait A") : two.traitA));
    y->setTitleText(QObject::tr("P(%1)").arg(two.traitB.isEmpty() ? QObject::tr("trait B") : two.traitB));
    // Probabilities: both axes span [0, 1] (a little more when a seed scores above, as
    // log-prob traits may), so distances read the same in every scatter.
    double top = 1.0;
    for (const TwoTraitPoint &p : two.points)
        for (const TwoTraitPoint::Seed &s : p.seeds) top = std::max({top, s.a, s.b});
    for (QValueAxis *axis : {x, y}) {
        axis->setRange(0, top > 1.0 ? std::ceil(top * 10) / 10 : 1.0);
        axis->setTickCount(6);
        axis->setLabelFormat(QStringLiteral("%.1f"));
    }
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);

    ErrorBarStyle bar;
    bar.width = 1.1 * ink * unit;
    bar.cap = 0;  // caps in one axis's units would look unequal on the other
    for (const TwoTraitPoint &p : two.points) {
        const QColor color = paletteColor(int(std::find(order.begin(), order.end(), p.condition) - order.begin()));
        const QString role = conditionRoleName(p.role);
        bar.color = color.darker(120);
        for (bool horizontal : {false, true}) {
            QLineSeries *line =
                horizontal ? addErrorBar(chart, x, y, p.b.interval.mean, p.a.interval.low, p.a.interval.high, bar, true)
                           : addErrorBar(chart, x, y, p.a.interval.mean, p.b.interval.low, p.b.interval.high, bar);
            if (!line) continue;
            line->setProperty("condition", p.condition);
            line->setProperty("trait", horizontal ? two.traitA : two.traitB);
            line->setProperty("context", two.context);
        }
        auto *seeds = new QScatterSeries;
        seeds->setProperty("role", QStringLiteral("seed"));
        seeds->setProperty("condition", p.condition);
        seeds->setMarkerSize(5 * ink * unit);
        QColor faint = color;
        faint.setAlpha(90);
        seeds->setColor(faint);
        seeds->setBorderColor(Qt::transparent);
        for (const TwoTraitPoint::Seed &s : p.seeds)
            if (std::isfinite(s.a) && std::isfinite(s.b)) seeds->append(s.a, s.b);
        chart->addSeries(seeds);
        seeds->attachAxis(x);
        seeds->attachAxis(y);
        hideFromLegend(chart, seeds);

        auto *mean = new QScatterSeries;
        const bool named = p.condition.contains(role, Qt::CaseInsensitive) || p.role == ConditionRole::Inoculated;
        mean->setName(named ? p.condition : QStringLiteral("%1 (%2)").arg(p.condition, role));
        mean->setProperty("role", QStringLiteral("mean"));
        mean->setProperty("condition", p.condition);
        mean->setProperty("conditionRole", role);
        mean->setMarkerShape(p.role == ConditionRole::Baseline  ? QScatterSeries::MarkerShapeStar
                             : p.role == ConditionRole::Control ? QScatterSeries::MarkerShapeRotatedRectangle
                                                                : QScatterSeries::MarkerShapeCircle);
        mean->setMarkerSize((p.role == ConditionRole::Inoculated ? 9 : 12) * ink * unit);
        mean->setColor(color);
        mean->setBorderColor(color);
        if (std::isfinite(p.a.interval.mean) && std::isfinite(p.b.interval.mean))
            mean->append(p.a.interval.mean, p.b.interval.mean);
        chart->addSeries(mean);
        mean->attachAxis(x);
        mean->attachAxis(y);
    }
    placeLegend(chart);
    if (two.traitB.isEmpty())
        chart->setTitle(QObject::tr("Two traits against each other need two traits (choose them under Traits)"));
    else if (!theme.paper)
        chart->setTitle(QObject::tr("%1: %2 against %3 per condition, mean and 95% CI across seeds (context: %4)")
                            .arg(data.experimentName, two.traitB, two.traitA, two.context));
    applyTheme(chart, theme);
    return chart;
}

}  // namespace inoculab::ui::charts
