#pragma once
// One run of an experiment (condition x seed), as a worker executes it: finetune the base
// model on the condition's rows, write per-step metrics, probes and evaluations to the store,
// checkpoint, and mark the run done, cancelled or failed.

#include "common/progress.h"
#include "experiment/job_events.h"
#include "experiment/worker_job.h"

namespace inoculab::experiment {

enum class JobOutcome { Done, AlreadyDone, Cancelled };

// Runs a worker job of either kind. Cancellation is noticed between steps: the run is
// checkpointed and marked cancelled; `resume` continues from that checkpoint. Errors are
// recorded on the run (failed) and rethrown.
JobOutcome runWorkerJob(const WorkerJob &job, bool resume, const EventSink &events, const common::CancelToken *cancel);

}  // namespace inoculab::experiment
