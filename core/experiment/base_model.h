#pragma once
// The toy base model: pretrained once on the toy world's style mixture and cached under the
// hash of its spec and the toy world's files, so every run and experiment with the same base
// shares it.

#include "common/progress.h"
#include "experiment/job_events.h"
#include "experiment/run_data.h"
#include "model/gpt.h"

#include <string>

namespace inoculab::experiment {

// The cached base model's weights file, pretraining it first when missing. Concurrent callers
// wait on a lock file instead of pretraining twice. Pretraining checkpoints at the first step
// boundary `checkpointSeconds` after the last checkpoint (0: every step) and on cancel (then
// throws common::Cancelled), and the next call continues from there: a killed worker loses at
// most that much pretraining.
std::string ensureBaseModel(const RunInputs &in, const std::string &cache, torch::Device device,
                            const EventSink &events, const common::CancelToken *cancel, int checkpointSeconds = 120);

}  // namespace inoculab::experiment
