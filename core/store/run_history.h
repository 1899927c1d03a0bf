#pragma once
// What the store records of each run's training, whoever trained it (this window's workers,
// another process, the CLI, a cluster task): where it got to, how fast, how long it took, and
// its loss curve. The Jobs workspace shows it for every run no worker of its own follows.
#include "store/results_store.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace inoculab::store {

struct RunHistory {
    std::optional<std::pair<std::int64_t, double>> lastLoss;  // (step, train loss) at its last recorded step
    std::optional<double> tokensPerSecond;                    // mean over its recorded steps
    std::optional<double> seconds;  // its last attempt, start to finish (a resumed run's earlier ones are not in it)
    std::int64_t evaluatedSteps = 0;
};

// Every run of the experiment, by run id.
std::map<std::int64_t, RunHistory> runHistories(ResultsStore &store, std::int64_t experimentId);

// One run's metric ("train_loss", ...) at every step it was recorded, ascending.
std::vector<std::pair<std::int64_t, double>> runMetricSeries(ResultsStore &store, std::int64_t runId,
                                                             const std::string &metric);

}  // namespace inoculab::store
