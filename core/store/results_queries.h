#pragma once
// The read side of the results store: what charts, tables and exports show. Every number
// follows the papers' statistics: each run (one seed model) is averaged first, then a 95%
// interval is taken across the seed models of a condition (core/stats).
#include "stats/intervals.h"
#include "store/results_store.h"

#include <optional>
#include <string>
#include <vector>

namespace inoculab::store {

struct SummaryOptions {
    std::optional<std::string> context;  // only this test-time context
    std::optional<std::int64_t> step;    // evaluations at this step; default: each run's last
    bool includeUnfinished = false;      // also runs not yet `done`
    std::uint64_t bootstrapSeed = 0;     // bootstrap intervals are reproducible
};

// Trait expression of one condition under one context, across seeds.
struct TraitSummaryRow {
    std::string condition;
    std::string context;
    std::string trait;
    stats::IntervalMethod method = stats::IntervalMethod::Bootstrap;
    // Across seeds, or across base models when the runs are on several (acrossBaseModels):
    // then interval.mean is the mean of the base-model means and interval.n their number.
    stats::Interval interval;
    std::vector<std::uint64_t> seeds;  // ascending within each base model
    // Each run's base seed, parallel to seeds (base models ascending); nullopt: the one base model.
    std::vector<std::optional<std::uint64_t>> baseSeeds;
    std::size_t baseModels = 1;        // distinct base models among the runs
    std::vector<double> perSeed;       // each run's (seed model's) mean score, in run order
    std::vector<double> samplesPerSeed;
    // Judged traits: answers left out of the rate, over all seeds (undefined scores overlap
    // dropped ones when the gate's own score is undefined).
    std::int64_t undefined = 0, dropped = 0;
};

// The labels stats::acrossBaseModels groups runs by: the base seed, -1 for the one base model.
std::vector<std::int64_t> baseLabels(const std::vector<std::optional<std::uint64_t>> &baseSeeds);
// "base 1 seed 0", or "seed 0" on the one base model: how tables and tooltips name a run.
std::string runLabel(std::optional<std::uint64_t> baseSeed, std::uint64_t seed);

// Rows ordered as the spec lists conditions, contexts and traits.
std::vector<TraitSummaryRow> traitSummary(ResultsStore &store, std::int64_t experimentId,
                                          const SummaryOptions &options = {});

struct CurvePoint {
    std::int64_t step = 0;
    // t-interval across the seeds that reported this step (across base-model means when the
    // runs are on several base models)
    stats::Interval interval;
};
struct Curve {
    std::string condition;
    std::vector<CurvePoint> points;  // ascending steps
};

// A training metric ("train_loss", ...) or a probe's log-probability, per step, per condition.
std::vector<Curve> metricCurves(ResultsStore &store, std::int64_t experimentId, const std::string &metric);
std::vector<Curve> probeCurves(ResultsStore &store, std::int64_t experimentId, const std::string &probe);

// Does a prompt that elicits the trait before training suppress it after? For each condition:
// the metric at each run's first step (by default the training loss before any update:
// lower means the prompt already makes the training responses likely) against the trait's
// expression after training.
struct ElicitationPair {
    std::string condition;
    stats::Interval elicitation;
    stats::Interval expression;
};
std::vector<ElicitationPair> elicitationPairs(ResultsStore &store, std::int64_t experimentId,
                                              const std::string &trait, const std::string &context,
                                              const std::string &elicitationMetric = "train_loss");

// What an experiment in the store has to chart: its conditions, contexts and traits in spec
// order, and the metric and probe names and evaluation steps its runs recorded.
struct ExperimentContents {
    struct Condition {
        std::string name;
        bool baseline = false;  // no inoculation prompt
        bool control = false;   // marked "control" in the spec
        std::optional<std::string> prompt;  // the inoculation prompt; none for a baseline
    };
    std::vector<Condition> conditions;
    std::vector<std::string> contexts;
    std::vector<std::string> traits;
    std::vector<std::string> metrics;          // ascending
    std::vector<std::string> probes;           // ascending
    std::vector<std::int64_t> evaluatedSteps;  // ascending, finished runs only
};
ExperimentContents experimentContents(ResultsStore &store, std::int64_t experimentId);

// A trait's expression over training: at each evaluated step, the traitSummary() interval of
// each condition under `context` (seeds that evaluated at that step). Curves in spec order.
std::vector<Curve> traitCurves(ResultsStore &store, std::int64_t experimentId, const std::string &trait,
                               const std::string &context);

}  // namespace inoculab::store
