#include "figure_caption.h"

#include "elicitation_relation.h"
#include "two_trait_points.h"

#include <QObject>

#include <algorithm>
#include <set>

namespace inoculab::ui::charts {

namespace {

// "3" or "2–3": the range of a count over the rows drawn.
template <typename Count>
QString rangeText(const std::vector<store::TraitSummaryRow> &rows, Count count, std::size_t &most) {
    std::size_t fewest = count(rows.front());
    most = fewest;
    for (const auto &r : rows) fewest = std::min(fewest, count(r)), most = std::max(most, count(r));
    return fewest == most ? QString::number(most) : QStringLiteral("%1–%2").arg(fewest).arg(most);
}

bool severalBaseModels(const std::vector<store::TraitSummaryRow> &rows) {
    return std::any_of(rows.begin(), rows.end(), [](const store::TraitSummaryRow &r) { return r.baseModels > 1; });
}

// "n = 3 seed models per condition" (or "2–3" when some runs are missing), over the rows drawn;
// "n = 3 base models × 2–3 seed models each per condition" when the runs are on several.
QString modelsText(const std::vector<store::TraitSummaryRow> &rows) {
    if (rows.empty()) return QObject::tr("no finished runs");
    std::size_t most = 0;
    if (severalBaseModels(rows)) {
        std::size_t mostBases = 0, mostSeeds = 0;
        const QString bases = rangeText(rows, [](const store::TraitSummaryRow &r) { return r.baseModels; }, mostBases);
        const QString seeds = rangeText(
            rows, [](const store::TraitSummaryRow &r) { return (r.seeds.size() + r.baseModels - 1) / r.baseModels; },
            mostSeeds);
        return QObject::tr("n = %1 base models × %2 seed model(s) each per condition", nullptr, int(mostSeeds))
            .arg(bases, seeds);
    }
    const QString n = rangeText(rows, [](const store::TraitSummaryRow &r) { return r.seeds.size(); }, most);
    return QObject::tr("n = %1 seed model(s) per condition", nullptr, int(most)).arg(n);
}

// "95% CI across seeds: bootstrap" or, when traits differ, "bootstrap (spanish), t (probe)".
QString methodText(const std::vector<store::TraitSummaryRow> &rows) {
    // Across base models, Wilson traits take the t-interval (stats::acrossBaseModels).
    const bool acrossBases = severalBaseModels(rows);
    auto method = [acrossBases](const store::TraitSummaryRow &r) {
        return stats::intervalMethodName(acrossBases && r.method == stats::IntervalMethod::Wilson ? stats::IntervalMethod::T
                                                                                                  : r.method);
    };
    std::set<std::string_view> methods;
    for (const auto &r : rows) methods.insert(method(r));
    QStringList names;
    for (std::string_view m : methods) {
        QStringList traits;
        for (const auto &r : rows)
            if (method(r) == m && !traits.contains(QString::fromStdString(r.trait)))
                traits << QString::fromStdString(r.trait);
        QString name = QString::fromLatin1(m.data(), qsizetype(m.size()));
        if (name == QLatin1String("bootstrap")) name = QObject::tr("percentile bootstrap");
        if (name == QLatin1String("t")) name = QObject::tr("t-interval");
        if (name == QLatin1String("wilson")) name = QObject::tr("Wilson interval of pooled answers");
        names << (methods.size() > 1 ? QStringLiteral("%1 (%2)").arg(name, traits.join(QStringLiteral(", "))) : name);
    }
    if (acrossBases)
        return QObject::tr("95% CI across base models (each the mean of its seed models): %1")
            .arg(names.join(QStringLiteral("; ")));
    return QObject::tr("95% CI across seed models: %1").arg(names.join(QStringLiteral("; ")));
}

QString contextText(const QString &context) {
    return context.isEmpty() ? QObject::tr("every context") : QObject::tr("context %1").arg(context);
}

}  // namespace

QString figureCaption(const ResultsData &data, const ChartRequest &request) {
    const QString context = effectiveContext(data, request);
    ChartRequest sameContext = request;
    sameContext.context = context;
    switch (request.kind) {
        case ChartKind::Curves: {
            std::size_t most = 0;
            for (const store::Curve &c : curvesFor(data, request))
                for (const store::CurvePoint &p : c.points) most = std::max(most, p.interval.n);
            if (severalBaseModels(data.summary))
                return QObject::tr("%1: %2 over training steps, mean and 95% t-interval across base models (each "
                                   "the mean of its seed models); up to n = %3 base models per condition and step")
                    .arg(data.experimentName, seriesLabel(effectiveSeries(data, request)))
                    .arg(most);
            return QObject::tr("%1: %2 over training steps, mean and 95% t-interval across seed models; "
                               "up to n = %3 seed models per condition and step")
                .arg(data.experimentName, seriesLabel(effectiveSeries(data, request)))
                .arg(most);
        }
        case ChartKind::Elicitation: {
            const std::vector<store::TraitSummaryRow> rows = expressionRows(data, sameContext);
            const ElicitationRelation relation = elicitationRelation(data, request);
            return QObject::tr("%1: elicitation before training against suppression after (%2; x: %3); %4, %5; %6")
                .arg(data.experimentName, contextText(context), elicitationMeasureLabel(relation.measure),
                     modelsText(rows), methodText(rows), relationSummary(relation));
        }
        case ChartKind::Scatter: {
            const TwoTraitPoints two = twoTraitPoints(data, request);
            if (two.traitB.isEmpty()) return QObject::tr("%1: two traits against each other need two traits").arg(data.experimentName);
            ChartRequest both = sameContext;
            both.traits = {two.traitA, two.traitB};
            const std::vector<store::TraitSummaryRow> rows = expressionRows(data, both);
            return QObject::tr("%1: P(%2) against P(%3) per condition (%4), mean with %5; %6; "
                               "faint points: seed models; star: baseline, diamond: control")
                .arg(data.experimentName, two.traitB, two.traitA, contextText(context), methodText(rows),
                     modelsText(rows));
        }
        case ChartKind::Expression: break;
    }
    const std::vector<store::TraitSummaryRow> rows = expressionRows(data, request);
    return QObject::tr("%1: trait expression per condition (%2), mean with %3; %4; faint points: seed models")
        .arg(data.experimentName, contextText(context), methodText(rows), modelsText(rows));
}

}  // namespace inoculab::ui::charts
