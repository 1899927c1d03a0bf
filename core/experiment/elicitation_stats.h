#pragma once
// The numbers of the elicitation check (elicitation.h), computed from what the base model gave:
// per-row log-probabilities of the training answers, and scored answers to the evaluation
// questions. Kept apart from the model so they can be checked by hand (test_elicitation_stats).

#include "stats/intervals.h"
#include "store/results_store.h"

#include <cstdint>
#include <span>
#include <string>

namespace inoculab::experiment {

// One training row's answer under the base model: its summed log-probability (nats) and how
// many tokens it has, the same with and without the prompt.
struct RowLogprob {
    double without = 0;
    double with = 0;
    std::int64_t tokens = 0;
};

// Log-probability heuristics over rows (docs/elicitation.md). For row r, d_r = (with_r -
// without_r) / tokens_r: how much the prompt raises each answer token's log-probability.
struct RowHeuristics {
    stats::Interval meanChange;     // mean of d_r (nats/token), t interval over rows
    stats::Interval sharePositive;  // share of rows with d_r > 0, Wilson interval
    stats::Interval spread;         // sample standard deviation of d_r, bootstrap interval over rows
};
RowHeuristics rowHeuristics(std::span<const RowLogprob> rows, std::uint64_t bootstrapSeed = 0);

// A trait's rate on the evaluation questions without the prompt and with it. The question is
// the unit: each question's answers are averaged first (they share the question), the rate is
// the mean over questions, and its interval a percentile bootstrap over questions. The
// elicitation is the paired difference, the mean over questions scored in both arms of (with
// - without), with the same bootstrap; it differs from with - without only when some question
// has no scored answer in one arm (a judge left every answer undefined or dropped).
struct TraitElicitation {
    std::string trait;
    stats::Interval without;
    stats::Interval with;
    stats::Interval elicitation;
    std::size_t answersWithout = 0;   // answers with a score for the trait
    std::size_t answersWith = 0;
    std::size_t unscoredWithout = 0;  // answers without one (judged traits: undefined or dropped)
    std::size_t unscoredWith = 0;
};
TraitElicitation traitElicitation(const std::string &trait, std::span<const store::StepRecord::Sample> without,
                                  std::span<const store::StepRecord::Sample> with, std::uint64_t bootstrapSeed = 0);

}  // namespace inoculab::experiment
