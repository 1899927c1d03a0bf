#include "train/lr_schedule.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace inoculab::train {

double learningRateAt(const LrScheduleSettings &s, std::int64_t step) {
    if (step < s.warmupSteps) return s.peak * static_cast<double>(step + 1) / static_cast<double>(s.warmupSteps);
    if (s.kind == experiment::LrSchedule::Constant) return s.peak;
    std::int64_t decaySteps = std::max<std::int64_t>(1, s.totalSteps - s.warmupSteps - 1);
    double progress = std::clamp(static_cast<double>(step - s.warmupSteps) / static_cast<double>(decaySteps), 0.0, 1.0);
    double low = s.peak * s.finalRatio;
    if (s.kind == experiment::LrSchedule::Linear) return s.peak + (low - s.peak) * progress;
    return low + 0.5 * (s.peak - low) * (1.0 + std::cos(std::numbers::pi * progress));
}

}  // namespace inoculab::train
