#pragma once
// One run of an experiment (condition x seed), as a worker executes it: finetune the base
// model on the condition's rows, write per-step metrics, probes and evaluations to the store,
// checkpoint, and mark the run done, cancelled or failed.

#include "common/progress.h"
#include "experiment/experiment_spec.h"
#include "experiment/job_events.h"
#include "experiment/worker_job.h"

namespace inoculab::train {
struct TrainSettings;  // train/trainer.h
}

namespace inoculab::experiment {

enum class JobOutcome { Done, AlreadyDone, Cancelled };

// Runs a worker job of any kind. Cancellation is noticed between steps: the run is
// checkpointed and marked cancelled; `resume` continues from that checkpoint. Errors are
// recorded on the run (failed) and rethrown.
JobOutcome runWorkerJob(const WorkerJob &job, bool resume, const EventSink &events, const common::CancelToken *cancel);

// A run's optimiser steps: training.steps, else its epochs over `rows` rows.
std::int64_t finetuneSteps(const TrainingSpec &training, std::size_t rows);
// A run's optimiser and schedule as the spec states them (optimizerFor), over `steps` steps
// with the data order of `seed`; rows per forward pass are the caller's (a device choice).
train::TrainSettings finetuneSettings(const ExperimentSpec &spec, std::int64_t steps, std::uint64_t seed);

}  // namespace inoculab::experiment
