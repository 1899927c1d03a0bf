#pragma once
// The two-trait scatter's numbers (Tan et al.'s figure): per condition, its expression of
// trait A against trait B under one context, each with its 95% interval across seeds, and
// each seed model's own (A, B) pair. The chart and its table share them.
#include "chart_data.h"

#include <QString>

#include <optional>
#include <vector>

namespace inoculab::ui::charts {

enum class ConditionRole { Baseline, Control, Inoculated };
ConditionRole conditionRole(const ResultsData &data, const QString &condition);
QString conditionRoleName(ConditionRole role);  // "baseline", "control", "inoculated"

struct TwoTraitPoint {
    QString condition;
    ConditionRole role = ConditionRole::Inoculated;
    store::TraitSummaryRow a, b;  // the summary rows drawn: x from a, y from b
    struct Seed {
        std::uint64_t seed;
        double a, b;
        std::optional<std::uint64_t> baseSeed;  // nullopt: the one base model
    };
    std::vector<Seed> seeds;  // seed models with a score for both traits, ascending
};

struct TwoTraitPoints {
    QString context;
    QString traitA, traitB;  // empty when the experiment has fewer than two traits chosen
    std::vector<TwoTraitPoint> points;  // baseline first, conditions with both rows only
};

// Trait A and B are the first two of the request's traits (effectiveTraits()).
TwoTraitPoints twoTraitPoints(const ResultsData &data, const ChartRequest &request);

}  // namespace inoculab::ui::charts
