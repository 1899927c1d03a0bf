#include "trait_chart.h"

#include "error_bars.h"

#include <QAreaSeries>
#include <QCategoryAxis>
#include <QChart>
#include <QLegend>
#include <QLineSeries>
#include <QScatterSeries>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

namespace inoculab::ui::charts {

namespace {
QString qs(const std::string &s) { return QString::fromStdString(s); }
}  // namespace

QChart *buildTraitChart(const ResultsData &data, const ChartRequest &request, const PaperTheme &theme) {
    auto *chart = new QChart;
    std::vector<store::TraitSummaryRow> rows = expressionRows(data, request);
    // Conditions with results only (a partial run of the spec leaves others empty); colours
    // stay those of the full list, so a condition looks the same in every chart.
    const std::vector<QString> all = data.conditionsBaselineFirst();
    std::vector<QString> conditions;
    for (const QString &c : all)
        if (std::any_of(rows.begin(), rows.end(),
                        [&](const store::TraitSummaryRow &r) { return qs(r.condition) == c; }))
            conditions.push_back(c);
    // Groups: (context, trait) in store order; with one context only the trait names it.
    struct Group {
        QString context, trait;
    };
    std::vector<Group> groups;
    for (const auto &r : rows) {
        Group g{qs(r.context), qs(r.trait)};
        if (std::none_of(groups.begin(), groups.end(),
                         [&](const Group &o) { return o.context == g.context && o.trait == g.trait; }))
            groups.push_back(g);
    }
    QStringList contexts;
    for (const Group &g : groups)
        if (!contexts.contains(g.context)) contexts << g.context;
    const bool oneContext = contexts.size() <= 1;

    const int perGroup = int(conditions.size()) + 1;  // a gap of one slot between groups
    auto *x = new QCategoryAxis;
    x->setLabelsPosition(QCategoryAxis::AxisLabelsPositionCenter);
    x->setRange(0, std::max<double>(1, double(groups.size()) * perGroup));
    for (std::size_t g = 0; g < groups.size(); ++g)
        // Labels are rich text: a second line for the context instead of a truncated label.
        x->append(oneContext ? groups[g].trait
                             : groups[g].trait.toHtmlEscaped() + "<br>(" + groups[g].context.toHtmlEscaped() + ")",
                  double(g + 1) * perGroup);
    x->setTitleText(oneContext && !contexts.isEmpty() ? QObject::tr("Trait (context: %1)").arg(contexts.first())
                                                      : QObject::tr("Trait (context)"));
    x->setGridLineVisible(false);
    auto *y = new QValueAxis;
    double top = 1.0, bottom = 0.0;
    for (const auto &r : rows) {
        for (double v : {r.interval.high, r.interval.mean})
            if (std::isfinite(v)) top = std::max(top, v);
        for (double v : r.perSeed)
            if (std::isfinite(v)) top = std::max(top, v), bottom = std::min(bottom, v);
    }
    y->setRange(bottom, top > 1.0 ? std::ceil(top * 10) / 10 : 1.0);
    y->setTickCount(6);
    y->setLabelFormat(QStringLiteral("%.1f"));
    y->setTitleText(QObject::tr("Probability of trait"));
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);

    const double unit = theme.unitsPerPoint;
    // A printed figure is small: thinner lines and smaller dots than on screen (at the default
    // 9 pt), so the error bars show beyond the dots; they grow with the font for big figures.
    const double ink = theme.paper ? 0.65 * theme.fontPoints / 9.0 : 1.0;
    ErrorBarStyle barStyle;
    barStyle.width = 1.3 * ink * unit;
    barStyle.cap = 0.14;
    for (std::size_t c = 0; c < conditions.size(); ++c) {
        QColor color = paletteColor(int(std::find(all.begin(), all.end(), conditions[c]) - all.begin()));
        auto *means = new QScatterSeries;
        means->setName(conditions[c]);
        means->setProperty("role", QStringLiteral("mean"));
        means->setProperty("condition", conditions[c]);
        means->setMarkerShape(request.bars ? QScatterSeries::MarkerShapeRectangle : QScatterSeries::MarkerShapeCircle);
        means->setMarkerSize((request.bars ? 4 : 9) * ink * unit);
        means->setColor(color);
        means->setBorderColor(color);
        auto *seeds = new QScatterSeries;
        seeds->setProperty("role", QStringLiteral("seed"));
        seeds->setProperty("condition", conditions[c]);
        seeds->setMarkerSize(5.5 * ink * unit);
        QColor faint = color;
        faint.setAlpha(90);
        seeds->setColor(faint);
        seeds->setBorderColor(Qt::transparent);
        for (std::size_t g = 0; g < groups.size(); ++g) {
            auto row = std::find_if(rows.begin(), rows.end(), [&](const store::TraitSummaryRow &r) {
                return qs(r.condition) == conditions[c] && qs(r.context) == groups[g].context &&
                       qs(r.trait) == groups[g].trait;
            });
            if (row == rows.end()) continue;
            const double at = double(g) * perGroup + double(c) + 1.0;
            if (request.bars && std::isfinite(row->interval.mean)) {
                auto *upper = new QLineSeries;
                upper->append({{at - 0.35, row->interval.mean}, {at + 0.35, row->interval.mean}});
                auto *lower = new QLineSeries;
                lower->append({{at - 0.35, 0.0}, {at + 0.35, 0.0}});
                auto *bar = new QAreaSeries(upper, lower);
                upper->setParent(bar);
                lower->setParent(bar);
                QColor fill = color;
                fill.setAlpha(c == 0 ? 110 : 170);
                bar->setBrush(fill);
                bar->setPen(QPen(color, 0.8 * ink * unit));
                bar->setProperty("role", QStringLiteral("bar"));
                bar->setProperty("condition", conditions[c]);
                bar->setProperty("trait", groups[g].trait);
                bar->setProperty("context", groups[g].context);
                chart->addSeries(bar);
                bar->attachAxis(x);
                bar->attachAxis(y);
                hideFromLegend(chart, bar);
            }
            // Seeds spread a little sideways so equal scores stay countable.
            const std::size_t n = row->perSeed.size();
            for (std::size_t i = 0; i < n; ++i) {
                double offset = n > 1 ? (double(i) / double(n - 1) - 0.5) * 0.4 : 0.0;
                if (std::isfinite(row->perSeed[i])) seeds->append(at + offset, row->perSeed[i]);
            }
            if (std::isfinite(row->interval.mean)) means->append(at, row->interval.mean);
            barStyle.color = request.bars ? QColor(0x22, 0x22, 0x22) : color.darker(130);
            if (QLineSeries *bar = addErrorBar(chart, x, y, at, row->interval.low, row->interval.high, barStyle)) {
                bar->setProperty("condition", conditions[c]);
                bar->setProperty("trait", groups[g].trait);
                bar->setProperty("context", groups[g].context);
            }
        }
        chart->addSeries(seeds);
        seeds->attachAxis(x);
        seeds->attachAxis(y);
        hideFromLegend(chart, seeds);
        chart->addSeries(means);  // last: the means are drawn over the bars and seeds
        means->attachAxis(x);
        means->attachAxis(y);
    }
    placeLegend(chart);
    if (!theme.paper)
        chart->setTitle(QObject::tr("%1: trait expression, mean and 95% CI across seeds").arg(data.experimentName));
    applyTheme(chart, theme);
    return chart;
}

}  // namespace inoculab::ui::charts
