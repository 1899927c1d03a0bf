#include "dataset_json.h"

namespace inoculab::cli {

namespace {

nlohmann::ordered_json toJson(const data::LengthQuantiles &q) {
    return {{"min", q.min}, {"p50", q.p50}, {"p90", q.p90}, {"p99", q.p99}, {"max", q.max}, {"mean", q.mean}};
}

}  // namespace

nlohmann::ordered_json toJson(const data::ValidationReport &report) {
    nlohmann::ordered_json problems = nlohmann::ordered_json::array();
    for (const data::ValidationProblem &p : report.problems) {
        problems.push_back({{"line", p.line},
                            {"row", p.row},
                            {"column", p.column},
                            {"reason", p.reason},
                            {"message", data::formatProblem(report.file, p)}});
    }
    return {{"file", report.file},
            {"format", data::formatName(report.format)},
            {"ok", report.ok()},
            {"lines", report.lines},
            {"blank_lines", report.blankLines},
            {"rows", report.rows},
            {"invalid_rows", report.invalidRows},
            {"bytes", report.bytes},
            {"problem_count", report.problemCount},
            {"problems", problems}};
}

nlohmann::ordered_json toJson(const data::DatasetStats &stats) {
    return {{"file", stats.file},
            {"format", data::formatName(stats.format)},
            {"rows", stats.rows},
            {"invalid_rows", stats.invalidRows},
            {"blank_lines", stats.blankLines},
            {"bytes", stats.bytes},
            {"messages_by_role",
             {{"system", stats.messagesByRole[static_cast<int>(data::Role::System)]},
              {"user", stats.messagesByRole[static_cast<int>(data::Role::User)]},
              {"assistant", stats.messagesByRole[static_cast<int>(data::Role::Assistant)]}}},
            {"rows_with_system_prompt", stats.rowsWithSystemPrompt},
            {"distinct_system_prompts", stats.distinctSystemPrompts},
            {"rendered_bytes", toJson(stats.renderedBytes)},
            {"turns_per_row", toJson(stats.turnsPerRow)}};
}

nlohmann::ordered_json toJson(const data::TransformSummary &summary) {
    return {{"input_format", data::formatName(summary.inputFormat)},
            {"rows", summary.rows},
            {"applied", summary.applied},
            {"not_selected", summary.notSelected},
            {"skipped_existing_system", summary.skippedExistingSystem},
            {"replaced_system", summary.replacedSystem},
            {"prepended_system", summary.prependedSystem}};
}

}  // namespace inoculab::cli
