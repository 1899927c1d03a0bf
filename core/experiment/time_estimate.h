#pragma once
// How long an experiment's parts take on this machine, measured here before anything is
// trained (the "estimate" worker job, behind `experiment run --estimate`): a few pretraining
// steps of the toy base model, a few finetuning steps of a condition's rows, and one
// evaluation over a few questions, each timed after a warm-up step and scaled to the spec.
// The CLI turns these rates into a total for the runs still to do (experiment_estimate.cpp).

#include "common/progress.h"
#include "experiment/job_events.h"
#include "experiment/run_data.h"
#include "experiment/worker_job.h"

#include <nlohmann/json.hpp>

namespace inoculab::experiment {

// What one estimate job measured; seconds are wall clock on the job's threads.
struct MeasuredRates {
    bool baseModelCached = false;  // the toy base was there: finetuning and evaluation timed on it
    std::int64_t pretrainSteps = 0;  // what pretraining the base would take (0: cached or not toy)
    double pretrainSecondsPerStep = 0;
    std::int64_t finetuneSteps = 0;  // one run's steps
    double finetuneSecondsPerStep = 0;
    std::int64_t evaluationsPerRun = 0;  // the final one, plus step 0 and every N with every_steps
    double evaluationSeconds = 0;        // one evaluation: every question, context and sample
    std::int64_t questionsTimed = 0;     // of the evaluation's questions, how many were sampled
    std::int64_t questions = 0;
};

nlohmann::json toJson(const MeasuredRates &rates);

// The estimate job: times the parts on `device` and emits one {"event": "estimate", ...}.
// Pretraining is timed with `pretrainThreads` torch threads (it runs alone, on every core),
// finetuning and evaluation with the job's `threads` (what each of the parallel workers gets).
MeasuredRates measureRates(const WorkerJob &job, const RunInputs &in, const EventSink &events,
                           const common::CancelToken *cancel, int pretrainThreads);

// The number of evaluations a run of `steps` steps makes (docs/engine.md, Evaluation).
std::int64_t evaluationsPerRun(std::int64_t steps, std::int64_t everySteps);

}  // namespace inoculab::experiment
