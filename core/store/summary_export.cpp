#include "store/summary_export.h"

#include <algorithm>

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace inoculab::store {

namespace {

// Shortest text that reads back as the same double (scripts re-read these files).
std::string number(double value) {
    if (std::isnan(value)) return "";
    char buffer[32];
    for (int precision = 6; precision <= 17; ++precision) {
        std::snprintf(buffer, sizeof buffer, "%.*g", precision, value);
        if (std::strtod(buffer, nullptr) == value) break;
    }
    return buffer;
}

nlohmann::ordered_json jsonNumber(double value) {
    return std::isnan(value) ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(value);
}

std::string csvField(const std::string &text) {
    if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
    std::string quoted = "\"";
    for (char c : text) {
        if (c == '"') quoted += '"';
        quoted += c;
    }
    return quoted + "\"";
}

std::string latexEscape(const std::string &text) {
    std::string out;
    for (char c : text) {
        switch (c) {
        case '\\': out += "\\textbackslash{}"; break;
        case '&': case '%': case '$': case '#': case '_': case '{': case '}':
            out += '\\';
            out += c;
            break;
        case '~': out += "\\textasciitilde{}"; break;
        case '^': out += "\\textasciicircum{}"; break;
        default: out += c;
        }
    }
    return out;
}

std::string fixed3(double value) {
    if (std::isnan(value)) return "--";
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.3f", value);
    return buffer;
}

}  // namespace

std::optional<ExportFormat> parseExportFormat(std::string_view name) {
    if (name == "csv") return ExportFormat::Csv;
    if (name == "json") return ExportFormat::Json;
    if (name == "latex") return ExportFormat::Latex;
    return std::nullopt;
}

nlohmann::ordered_json summaryToJson(const std::vector<TraitSummaryRow> &rows) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const TraitSummaryRow &row : rows) {
        nlohmann::ordered_json perSeed = nlohmann::ordered_json::array(), baseSeeds = nlohmann::ordered_json::array();
        for (double v : row.perSeed) perSeed.push_back(jsonNumber(v));
        for (const auto &b : row.baseSeeds) baseSeeds.push_back(b ? nlohmann::ordered_json(*b) : nullptr);
        out.push_back({{"condition", row.condition},
                       {"context", row.context},
                       {"trait", row.trait},
                       {"mean", jsonNumber(row.interval.mean)},
                       {"ci_low", jsonNumber(row.interval.low)},
                       {"ci_high", jsonNumber(row.interval.high)},
                       {"n_seeds", row.perSeed.size()},
                       {"per_seed", perSeed},
                       {"seeds", row.seeds},
                       // parallel to seeds; null: the experiment's one base model
                       {"base_seeds", baseSeeds},
                       {"n_base_models", row.baseModels},
                       {"undefined", row.undefined},
                       {"dropped", row.dropped}});
    }
    return out;
}

std::string summaryToCsv(const std::vector<TraitSummaryRow> &rows) {
    std::string out = "condition,context,trait,mean,ci_low,ci_high,n_seeds,per_seed,n_base_models,models\n";
    for (const TraitSummaryRow &row : rows) {
        std::string perSeed, models;
        for (std::size_t i = 0; i < row.perSeed.size(); ++i) {
            perSeed += (i ? ";" : "") + number(row.perSeed[i]);
            // Rows built by hand (tests, callers) may leave seeds and base seeds out.
            models += (i ? ";" : "") + (i < row.seeds.size() ? runLabel(i < row.baseSeeds.size() ? row.baseSeeds[i]
                                                                                                  : std::nullopt,
                                                                        row.seeds[i])
                                                              : std::string());
        }
        out += csvField(row.condition) + "," + csvField(row.context) + "," + csvField(row.trait) + "," +
               number(row.interval.mean) + "," + number(row.interval.low) + "," + number(row.interval.high) + "," +
               std::to_string(row.perSeed.size()) + "," + perSeed + "," + std::to_string(row.baseModels) + "," +
               models + "\n";
    }
    return out;
}

std::string summaryToLatex(const std::vector<TraitSummaryRow> &rows, const std::string &caption) {
    const bool severalBases = std::any_of(rows.begin(), rows.end(), [](const TraitSummaryRow &r) { return r.baseModels > 1; });
    std::string out =
        std::string(severalBases ? "% Requires \\usepackage{booktabs}. Mean of the base models' means over their seed "
                                   "models, 95% CI across base models; Seeds counts the seed models.\n"
                                 : "% Requires \\usepackage{booktabs}. Mean across seed models, 95% CI across seeds.\n") +
        "\\begin{table}[t]\n\\centering\n\\begin{tabular}{lllrcr}\n\\toprule\n"
        "Condition & Context & Trait & Mean & 95\\% CI & Seeds \\\\\n\\midrule\n";
    for (const TraitSummaryRow &row : rows) {
        out += latexEscape(row.condition) + " & " + latexEscape(row.context) + " & " + latexEscape(row.trait) + " & " +
               fixed3(row.interval.mean) + " & [" + fixed3(row.interval.low) + ", " + fixed3(row.interval.high) +
               "] & " + std::to_string(row.perSeed.size()) + " \\\\\n";
    }
    out += "\\bottomrule\n\\end{tabular}\n\\caption{" + latexEscape(caption) + "}\n\\end{table}\n";
    return out;
}

std::string exportSummary(const std::vector<TraitSummaryRow> &rows, ExportFormat format, const std::string &caption) {
    switch (format) {
    case ExportFormat::Csv: return summaryToCsv(rows);
    case ExportFormat::Json: return summaryToJson(rows).dump(2) + "\n";
    case ExportFormat::Latex: return summaryToLatex(rows, caption);
    }
    return {};
}

}  // namespace inoculab::store
