#pragma once
// The elicitation check (PAPER.md, "Elicitation predicts suppression"): before any training,
// how much does a candidate prompt raise the base model's likelihood of the training answers?
// A prompt that already elicits the trait lowers the loss on those answers, and the more it
// does, the more it suppresses the trait when used for inoculation. With `traits`, the trait
// itself too: its rate in the base model's answers to the evaluation questions with and
// without the prompt (docs/elicitation.md).

#include "common/progress.h"
#include "experiment/elicitation_stats.h"
#include "experiment/job_events.h"
#include "experiment/run_data.h"
#include "experiment/worker_job.h"

#include <cstdint>
#include <string>
#include <vector>

namespace inoculab::experiment {

struct ElicitationResult {
    std::string prompt;
    double lossWithout = 0;   // mean loss per assistant token (nats) on the rows as they are
    double lossWith = 0;      // the same rows with the prompt as their system prompt
    std::int64_t tokens = 0;  // assistant tokens scored (the same with and without)
    std::int64_t rows = 0;
    RowHeuristics perRow;                  // the same log-probabilities, row by row
    std::vector<TraitElicitation> traits;  // in spec order; empty unless the job measures traits
    // Positive when the prompt makes the training answers likelier: the loss it takes away.
    double drop() const { return lossWithout - lossWith; }
};

// The events' JSON for one prompt's numbers (docs/worker-jobs.md): intervals as
// {"mean", "low", "high", "n"} with null for an undefined bound.
nlohmann::json rowHeuristicsJson(const RowHeuristics &h);
nlohmann::json traitElicitationJson(const TraitElicitation &e);

// Runs an elicit job: the spec's base model (pretrained first when the cache lacks it) scores
// the first `job.rows` training rows without a prompt and with each of `job.prompts`, then, with
// `job.traits`, samples and scores answers to the evaluation questions without a prompt and
// with each. Emits an `elicitation` event per prompt, and with traits an `elicitation_traits`
// event per prompt. Throws common::Cancelled when `cancel` is set.
std::vector<ElicitationResult> runElicitationJob(const WorkerJob &job, const RunInputs &in, const EventSink &events,
                                                 const common::CancelToken *cancel);

}  // namespace inoculab::experiment
