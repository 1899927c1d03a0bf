#include "train/lr_schedule.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace inoculab::train {

namespace {

double transformersRate(const LrScheduleSettings &s, std::int64_t step) {
    const double k = static_cast<double>(step), warmup = static_cast<double>(s.warmupSteps);
    if (step < s.warmupSteps) return s.peak * k / std::max(1.0, warmup);
    if (s.kind == experiment::LrSchedule::Constant) return s.peak;
    const double total = static_cast<double>(s.totalSteps);
    double factor = 0;  // of the way from the floor to the peak
    if (s.kind == experiment::LrSchedule::Linear) {
        factor = std::max(0.0, (total - k) / std::max(1.0, total - warmup));
    } else {
        const double progress = (k - warmup) / std::max(1.0, total - warmup);
        factor = std::max(0.0, 0.5 * (1.0 + std::cos(std::numbers::pi * progress)));
    }
    const double low = s.peak * s.finalRatio;
    return low + (s.peak - low) * factor;
}

}  // namespace

double learningRateAt(const LrScheduleSettings &s, std::int64_t step) {
    if (s.transformersFormula) return transformersRate(s, step);
    if (step < s.warmupSteps) return s.peak * static_cast<double>(step + 1) / static_cast<double>(s.warmupSteps);
    if (s.kind == experiment::LrSchedule::Constant) return s.peak;
    std::int64_t decaySteps = std::max<std::int64_t>(1, s.totalSteps - s.warmupSteps - 1);
    double progress = std::clamp(static_cast<double>(step - s.warmupSteps) / static_cast<double>(decaySteps), 0.0, 1.0);
    double low = s.peak * s.finalRatio;
    if (s.kind == experiment::LrSchedule::Linear) return s.peak + (low - s.peak) * progress;
    return low + 0.5 * (s.peak - low) * (1.0 + std::cos(std::numbers::pi * progress));
}

}  // namespace inoculab::train
