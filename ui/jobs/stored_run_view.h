#pragma once
// What the Jobs workspace says of a run from the store alone: a run it does not follow itself
// (trained by the CLI, another window or a cluster task, or before this window opened).
#include "store/results_store.h"
#include "store/run_history.h"

#include <QString>

namespace inoculab::ui {

// "baseline/seed0: done on cpu; step 400, train loss 1.0394, 5210 tokens/s; took 1m05s
// (2026-12-04 06:45:06 to 06:46:11 UTC); 3 evaluated steps", and the error of a failed run.
QString storedRunSummary(const store::RunRecord &run, const store::RunHistory &history);

}  // namespace inoculab::ui
