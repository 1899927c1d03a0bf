#pragma once
// JSON documents for `--json`: one per command, with snake_case keys, stable for scripts.
#include "data/dataset_stats.h"
#include "data/dataset_transform.h"
#include "data/validation.h"

#include <nlohmann/json.hpp>

namespace inoculab::cli {

nlohmann::ordered_json toJson(const data::ValidationReport &report);
nlohmann::ordered_json toJson(const data::DatasetStats &stats);
nlohmann::ordered_json toJson(const data::TransformSummary &summary);

}  // namespace inoculab::cli
