#pragma once
// Trait summaries as files for papers and scripts: CSV, JSON and a LaTeX booktabs table.
#include "store/results_queries.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

namespace inoculab::store {

enum class ExportFormat { Csv, Json, Latex };
std::optional<ExportFormat> parseExportFormat(std::string_view name);

// An array of objects with exactly these keys, in this order: condition, context, trait,
// mean, ci_low, ci_high, n_seeds, per_seed (numbers in seed order). Undefined bounds
// (fewer than two seeds) are null.
nlohmann::ordered_json summaryToJson(const std::vector<TraitSummaryRow> &rows);
// The same columns; per_seed as numbers joined by ';'.
std::string summaryToCsv(const std::vector<TraitSummaryRow> &rows);
// A booktabs table: condition, context, trait, mean, 95% CI, seeds; `caption` is escaped.
std::string summaryToLatex(const std::vector<TraitSummaryRow> &rows, const std::string &caption);

std::string exportSummary(const std::vector<TraitSummaryRow> &rows, ExportFormat format, const std::string &caption);

}  // namespace inoculab::store
