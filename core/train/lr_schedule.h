#pragma once
// Learning-rate schedule: linear warmup, then constant, linear or cosine decay to `finalRatio`
// of the peak, in one of two formulas:
// - Inoculab's (the toy model's, as tuned): warmup step k at (k + 1) / warmup of the peak, so
//   the first step learns; the decay reaches the floor at the last step.
// - transformers' (get_{constant,linear,cosine}_schedule_with_warmup, what a paper's "lr 1e-4,
//   linear, warmup 5" means): warmup step k at k / warmup (step 0 at 0); the decay reaches the
//   floor at step `totalSteps`, one past the last, so the last step trains at
//   1 / (total - warmup) of the way.

#include "experiment/experiment_spec.h"

#include <cstdint>

namespace inoculab::train {

struct LrScheduleSettings {
    experiment::LrSchedule kind = experiment::LrSchedule::Cosine;
    double peak = 1e-3;
    std::int64_t warmupSteps = 0;
    std::int64_t totalSteps = 1;
    double finalRatio = 0.1;  // nanoGPT's min_lr = lr / 10
    bool transformersFormula = false;
};

// The rate used for optimiser step `step` (0-based).
double learningRateAt(const LrScheduleSettings &schedule, std::int64_t step);

}  // namespace inoculab::train
