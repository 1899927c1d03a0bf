#pragma once
// Reading the answers: every evaluation sample of an experiment with its trait scores and, for
// judged traits, the judge's score, the mass it read and whether the answer was dropped. What
// `results samples` prints and the GUI's Samples view shows.
#include "store/results_store.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace inoculab::store {

struct SampleFilter {
    std::optional<std::string> condition, context;
    std::optional<std::uint64_t> seed;
    std::optional<std::int64_t> step;
    std::optional<std::string> text;  // a substring of the question or the answer (case-sensitive)
    // Only answers whose score for `scoreTrait` is in [minScore, maxScore] (a judged trait's
    // undefined or dropped answers have none, so they never match).
    std::optional<std::string> scoreTrait;
    double minScore = -1e300, maxScore = 1e300;
    std::int64_t limit = -1;          // rows at most; -1: all
    std::int64_t offset = 0;
};

struct SampleScore {
    std::string trait;
    std::optional<double> value;  // the trait score; nullopt: undefined or dropped (judged traits)
    bool judged = false;          // the fields below are set only for judged traits
    std::optional<double> judgeScore;
    double judgeMass = 0;
    bool dropped = false;
    std::string judge, mode, promptSha256;  // the verdict's key in judge_verdicts
};

struct SampleRow {
    std::int64_t id = 0;
    std::string condition;
    std::uint64_t seed = 0;
    std::int64_t step = 0;
    std::string context;
    std::int64_t questionIndex = 0, sampleIndex = 0;
    std::string question, answer;
    std::vector<SampleScore> scores;  // every trait of the experiment, in spec order
};

// Ordered by condition (spec order), seed, step, context (spec order), question and sample.
std::vector<SampleRow> evaluationSamples(ResultsStore &store, std::int64_t experimentId, const SampleFilter &filter = {});

// The verdict behind a judged score: the exact prompt the judge read and its distribution
// (JSON [[answer, probability], ...]); nullopt when the store does not hold it.
struct VerdictText {
    std::string prompt, distributionJson;
};
std::optional<VerdictText> verdictFor(ResultsStore &store, const SampleScore &score);

}  // namespace inoculab::store
