#include "figure_caption.h"

#include "elicitation_relation.h"
#include "two_trait_points.h"

#include <QObject>

#include <algorithm>
#include <set>

namespace inoculab::ui::charts {

namespace {

// "n = 3 seed models per condition" (or "2–3" when some runs are missing), over the rows drawn.
QString modelsText(const std::vector<store::TraitSummaryRow> &rows) {
    if (rows.empty()) return QObject::tr("no finished runs");
    std::size_t fewest = rows.front().seeds.size(), most = fewest;
    for (const auto &r : rows) fewest = std::min(fewest, r.seeds.size()), most = std::max(most, r.seeds.size());
    const QString n = fewest == most ? QString::number(most) : QStringLiteral("%1–%2").arg(fewest).arg(most);
    return QObject::tr("n = %1 seed model(s) per condition", nullptr, int(most)).arg(n);
}

// "95% CI across seeds: bootstrap" or, when traits differ, "bootstrap (spanish), t (probe)".
QString methodText(const std::vector<store::TraitSummaryRow> &rows) {
    std::set<std::string_view> methods;
    for (const auto &r : rows) methods.insert(stats::intervalMethodName(r.method));
    QStringList names;
    for (std::string_view m : methods) {
        QStringList traits;
        for (const auto &r : rows)
            if (stats::intervalMethodName(r.method) == m && !traits.contains(QString::fromStdString(r.trait)))
                traits << QString::fromStdString(r.trait);
        QString name = QString::fromLatin1(m.data(), qsizetype(m.size()));
        if (name == QLatin1String("bootstrap")) name = QObject::tr("percentile bootstrap");
        if (name == QLatin1String("t")) name = QObject::tr("t-interval");
        if (name == QLatin1String("wilson")) name = QObject::tr("Wilson interval of pooled answers");
        names << (methods.size() > 1 ? QStringLiteral("%1 (%2)").arg(name, traits.join(QStringLiteral(", "))) : name);
    }
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
