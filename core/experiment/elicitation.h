#pragma once
// The elicitation check (PAPER.md, "Elicitation predicts suppression"): before any training,
// how much does a candidate prompt raise the base model's likelihood of the training answers?
// A prompt that already elicits the trait lowers the loss on those answers, and the more it
// does, the more it suppresses the trait when used for inoculation.

#include "common/progress.h"
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
    // Positive when the prompt makes the training answers likelier: the loss it takes away.
    double drop() const { return lossWithout - lossWith; }
};

// Runs an elicit job: the spec's base model (pretrained first when the cache lacks it) scores
// the first `job.rows` training rows without a prompt and with each of `job.prompts`. Emits an
// `elicitation` event per prompt. Throws common::Cancelled when `cancel` is set.
std::vector<ElicitationResult> runElicitationJob(const WorkerJob &job, const RunInputs &in, const EventSink &events,
                                                 const common::CancelToken *cancel);

}  // namespace inoculab::experiment
