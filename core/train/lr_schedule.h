#pragma once
// Learning-rate schedule: linear warmup from 0, then constant, linear or cosine decay to
// `finalRatio` of the peak at the last step.

#include "experiment/experiment_spec.h"

#include <cstdint>

namespace inoculab::train {

struct LrScheduleSettings {
    experiment::LrSchedule kind = experiment::LrSchedule::Cosine;
    double peak = 1e-3;
    std::int64_t warmupSteps = 0;
    std::int64_t totalSteps = 1;
    double finalRatio = 0.1;  // nanoGPT's min_lr = lr / 10
};

// The rate used for optimiser step `step` (0-based).
double learningRateAt(const LrScheduleSettings &schedule, std::int64_t step);

}  // namespace inoculab::train
