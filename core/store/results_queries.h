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
    stats::Interval interval;          // interval.mean is the mean of perSeed
    std::vector<std::uint64_t> seeds;  // ascending
    std::vector<double> perSeed;       // each seed model's mean score, in seed order
    std::vector<double> samplesPerSeed;
    // Judged traits: answers left out of the rate, over all seeds (undefined scores overlap
    // dropped ones when the gate's own score is undefined).
    std::int64_t undefined = 0, dropped = 0;
};

// Rows ordered as the spec lists conditions, contexts and traits.
std::vector<TraitSummaryRow> traitSummary(ResultsStore &store, std::int64_t experimentId,
                                          const SummaryOptions &options = {});

struct CurvePoint {
    std::int64_t step = 0;
    stats::Interval interval;  // t-interval across the seeds that reported this step
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
