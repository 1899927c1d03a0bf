#include "elicitation_chart.h"

#include "elicitation_relation.h"
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

QChart *buildElicitationChart(const ResultsData &data, const ChartRequest &request, const PaperTheme &theme) {
    auto *chart = new QChart;
    const double unit = theme.unitsPerPoint;
    const QString context = effectiveContext(data, request);
    const std::optional<QString> baseline = data.baseline();
    std::vector<QString> order = data.conditionsBaselineFirst();

    const ElicitationRelation relation = elicitationRelation(data, request);
    auto *x = new QValueAxis;
    x->setTitleText(elicitationMeasureLabel(relation.measure));
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
    for (const ElicitationPoint &p : relation.points) {
        const int t = int(traits.indexOf(p.trait));
        const QColor color = paletteColor(int(std::find(order.begin(), order.end(), p.condition) - order.begin()));
        ErrorBarStyle style;
        style.color = color.darker(120);
        style.width = 1.0 * unit;
        style.cap = 0;  // caps would need the other axis's units; plain bars read the same both ways
        for (bool horizontal : {false, true}) {
            QLineSeries *bar = horizontal ? addErrorBar(chart, x, y, p.y, p.xLow, p.xHigh, style, true)
                                          : addErrorBar(chart, x, y, p.x, p.yLow, p.yHigh, style);
            if (!bar) continue;
            bar->setProperty("condition", p.condition);
            bar->setProperty("trait", p.trait);
            bar->setProperty("context", context);
        }
        auto *point = new QScatterSeries;
        point->setName(traits.size() > 1 ? QStringLiteral("%1 · %2").arg(p.condition, p.trait) : p.condition);
        // With several traits the legend keys colour (condition) and shape (trait) apart, below;
        // an entry per pair would not fit and be elided.
        const bool keyedApart = traits.size() > 1;
        point->setProperty("role", QStringLiteral("mean"));
        point->setProperty("condition", p.condition);
        point->setProperty("trait", p.trait);
        point->setMarkerShape(shapes[std::max(0, t) % 5]);
        point->setMarkerSize(9 * unit);
        point->setColor(color);
        point->setBorderColor(color);
        point->append(p.x, p.y);
        chart->addSeries(point);
        point->attachAxis(x);
        point->attachAxis(y);
        if (keyedApart) hideFromLegend(chart, point);
        for (double v : {p.xLow, p.xHigh, p.x}) extend(v, minX, maxX);
        for (double v : {p.yLow, p.yHigh, p.y}) extend(v, minY, maxY);
    }
    if (traits.size() > 1) {
        // Legend keys: a coloured circle per condition drawn, a grey shape per trait.
        auto key = [&](const QString &name, QScatterSeries::MarkerShape shape, const QColor &color) {
            auto *k = new QScatterSeries;
            k->setName(name);
            k->setProperty("role", QStringLiteral("legend-key"));
            k->setMarkerShape(shape);
            k->setMarkerSize(9 * unit);
            k->setColor(color);
            k->setBorderColor(color);
            chart->addSeries(k);
            k->attachAxis(x);
            k->attachAxis(y);
        };
        for (std::size_t i = 0; i < order.size(); ++i)
            if (std::any_of(relation.points.begin(), relation.points.end(),
                            [&](const ElicitationPoint &p) { return p.condition == order[i]; }))
                key(order[i], QScatterSeries::MarkerShapeCircle, paletteColor(int(i)));
        for (int t = 0; t < int(traits.size()); ++t) key(traits[t], shapes[t % 5], QColor(0x77, 0x77, 0x77));
    }
    for (const CandidatePoint &c : relation.candidates)
        for (double v : {c.xLow, c.xHigh, c.x}) extend(v, minX, maxX);
    const double padX = std::max(0.05, (maxX - minX) * 0.1), padY = std::max(0.05, (maxY - minY) * 0.1);
    x->setRange(minX - padX, maxX + padX);
    // Candidates have no suppression: they sit on a strip of their own below every point, in two
    // staggered rows (by x) so that neighbours' labels do not overlap.
    const double candidateY = minY - 2 * padY, rowStep = 1.2 * padY;
    const bool twoRows = relation.candidates.size() > 1;
    y->setRange(relation.candidates.empty() ? minY - padY : candidateY - (twoRows ? rowStep : 0) - padY, maxY + padY);
    x->applyNiceNumbers();
    y->applyNiceNumbers();
    std::vector<const CandidatePoint *> byX;
    for (const CandidatePoint &c : relation.candidates) byX.push_back(&c);
    std::sort(byX.begin(), byX.end(), [](const CandidatePoint *a, const CandidatePoint *b) { return a->x < b->x; });
    ErrorBarStyle candidateStyle;
    candidateStyle.color = QColor(0x88, 0x88, 0x88);
    candidateStyle.width = 1.0 * unit;
    candidateStyle.cap = 0;
    for (std::size_t i = 0; i < byX.size(); ++i) {
        const CandidatePoint &c = *byX[i];
        const double at = candidateY - (i % 2 ? rowStep : 0);
        if (QLineSeries *bar = addErrorBar(chart, x, y, at, c.xLow, c.xHigh, candidateStyle, true))
            bar->setProperty("candidate", c.prompt);
        // One series each, labelled with its prompt (elided); the legend names the first only.
        auto *candidate = new QScatterSeries;
        candidate->setName(QObject::tr("candidates"));
        candidate->setProperty("role", QStringLiteral("candidate"));
        candidate->setProperty("prompt", c.prompt);
        candidate->setMarkerShape(QScatterSeries::MarkerShapeRotatedRectangle);
        candidate->setMarkerSize(8 * unit);
        candidate->setColor(Qt::white);
        candidate->setBorderColor(QColor(0x33, 0x33, 0x33));
        QString label = c.prompt.size() > 28 ? c.prompt.left(27) + QStringLiteral("…") : c.prompt;
        if (!c.trait.isEmpty() && traits.size() > 1) label += QStringLiteral(" · ") + c.trait;
        candidate->setPointLabelsFormat(label.replace(QLatin1Char('@'), QStringLiteral("(at)")));
        candidate->setPointLabelsVisible(true);
        candidate->setPointLabelsColor(QColor(0x33, 0x33, 0x33));
        QFont font = candidate->pointLabelsFont();
        font.setPointSizeF(std::max(6.0, theme.fontPoints * 0.8));
        candidate->setPointLabelsFont(font);
        candidate->append(c.x, at);
        chart->addSeries(candidate);
        candidate->attachAxis(x);
        candidate->attachAxis(y);
        if (i > 0) hideFromLegend(chart, candidate);
    }
    // The least-squares line across the whole x range, and its band where it is defined.
    if (std::isfinite(relation.fit.slope)) {
        constexpr int kSamples = 48;
        auto *line = new QLineSeries;
        auto *upper = new QLineSeries;
        auto *lower = new QLineSeries;
        for (int i = 0; i <= kSamples; ++i) {
            const double at = x->min() + (x->max() - x->min()) * i / kSamples;
            const stats::Interval band = relation.fit.band(at);
            line->append(at, band.mean);
            if (std::isfinite(band.low)) upper->append(at, band.high), lower->append(at, band.low);
        }
        if (upper->count() > 0) {
            auto *area = new QAreaSeries(upper, lower);
            upper->setParent(area);
            lower->setParent(area);
            area->setBrush(QColor(0x55, 0x55, 0x55, 40));
            area->setPen(Qt::NoPen);
            area->setProperty("role", QStringLiteral("fit-band"));
            chart->addSeries(area);
            area->attachAxis(x);
            area->attachAxis(y);
            hideFromLegend(chart, area);
        } else {
            delete upper;
            delete lower;
        }
        line->setName(QObject::tr("least squares, r = %1, ρ = %2")
                          .arg(relation.pearson.interval.mean, 0, 'f', 2)
                          .arg(relation.spearman.interval.mean, 0, 'f', 2));
        line->setPen(QPen(QColor(0x33, 0x33, 0x33), 1.2 * unit));
        line->setProperty("role", QStringLiteral("fit"));
        chart->addSeries(line);
        line->attachAxis(x);
        line->attachAxis(y);
    }
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
    placeLegend(chart);
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
