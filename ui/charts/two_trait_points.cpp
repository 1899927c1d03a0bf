#include "two_trait_points.h"

#include <algorithm>

namespace inoculab::ui::charts {

ConditionRole conditionRole(const ResultsData &data, const QString &condition) {
    for (const auto &c : data.contents.conditions)
        if (QString::fromStdString(c.name) == condition)
            return c.baseline ? ConditionRole::Baseline : c.control ? ConditionRole::Control : ConditionRole::Inoculated;
    return ConditionRole::Inoculated;
}

QString conditionRoleName(ConditionRole role) {
    switch (role) {
        case ConditionRole::Baseline: return QStringLiteral("baseline");
        case ConditionRole::Control: return QStringLiteral("control");
        case ConditionRole::Inoculated: break;
    }
    return QStringLiteral("inoculated");
}

TwoTraitPoints twoTraitPoints(const ResultsData &data, const ChartRequest &request) {
    TwoTraitPoints out;
    out.context = effectiveContext(data, request);
    const QStringList traits = effectiveTraits(data, request);
    if (traits.size() < 2) return out;
    out.traitA = traits[0], out.traitB = traits[1];
    auto rowOf = [&](const QString &condition, const QString &trait) -> const store::TraitSummaryRow * {
        for (const auto &r : data.summary)
            if (QString::fromStdString(r.condition) == condition && QString::fromStdString(r.context) == out.context &&
                QString::fromStdString(r.trait) == trait)
                return &r;
        return nullptr;
    };
    for (const QString &condition : data.conditionsBaselineFirst()) {
        const store::TraitSummaryRow *a = rowOf(condition, out.traitA), *b = rowOf(condition, out.traitB);
        if (!a || !b) continue;
        TwoTraitPoint p{condition, conditionRole(data, condition), *a, *b, {}};
        // A seed model (base seed, seed) is one point when it scored both traits.
        // (A row built by hand may have no base seeds: then every run is on the one base model.)
        auto baseOf = [](const store::TraitSummaryRow &r, std::size_t i) {
            return i < r.baseSeeds.size() ? r.baseSeeds[i] : std::nullopt;
        };
        for (std::size_t i = 0; i < a->seeds.size(); ++i)
            for (std::size_t j = 0; j < b->seeds.size(); ++j)
                if (b->seeds[j] == a->seeds[i] && baseOf(*b, j) == baseOf(*a, i))
                    p.seeds.push_back({a->seeds[i], a->perSeed[i], b->perSeed[j], baseOf(*a, i)});
        out.points.push_back(std::move(p));
    }
    return out;
}

}  // namespace inoculab::ui::charts
