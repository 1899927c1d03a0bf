#pragma once
// Scoring an evaluation's answers for the spec's judged traits: each answer's prompt rendered
// from the trait's template, its verdict taken from the store's cache or asked of the judge
// (and cached as it arrives), the papers' score read off it, and answers dropped where another
// judged trait says so (alignment only counted on coherent answers).

#include "eval/judges/judge_backend.h"
#include "store/results_store.h"

#include <cstdint>
#include <string>
#include <vector>

namespace inoculab::eval {

struct JudgedTraitStats {
    std::string trait;
    std::size_t answers = 0;
    std::size_t asked = 0;      // prompts sent to the judge (distinct prompts, retries not counted)
    std::size_t cached = 0;     // answers whose verdict the store had
    std::size_t undefined = 0;  // score undefined: too little mass on valid answers
    std::size_t dropped = 0;
};

// The counts of a `judge` progress event (docs/worker-jobs.md): trait, answers, asked, cached,
// undefined, dropped; the caller adds where it judged.
nlohmann::json toJson(const JudgedTraitStats &stats);

struct JudgingOptions {
    bool rejudge = false;  // ask again even where the store has a verdict, and replace it
    const common::CancelToken *cancel = nullptr;
};

// Adds each judged trait's verdict to every sample (judgements; traitScores only where the
// answer counts), in spec order. Throws JudgeError or common::Cancelled with every verdict
// received so far already in the store.
std::vector<JudgedTraitStats> judgeSamples(const experiment::ExperimentSpec &spec, const std::string &specFile,
                                           std::vector<store::StepRecord::Sample> &samples, store::ResultsStore &store,
                                           const JudgeBackendFactory &backendFor, const JudgingOptions &options = {});

}  // namespace inoculab::eval
