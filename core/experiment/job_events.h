#pragma once
// Progress of a worker job as JSON events (`{"event":"step",...}`), one per line on the
// worker's stdout; docs/worker-jobs.md lists them. The GUI and `experiment run` parse them.

#include <nlohmann/json.hpp>

#include <functional>

namespace inoculab::experiment {

using EventSink = std::function<void(const nlohmann::json &event)>;

}  // namespace inoculab::experiment
