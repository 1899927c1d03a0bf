#include "data/validation.h"

#include "common/input_error.h"
#include "data/row_scan.h"

namespace inoculab::data {

ValidationReport validateDataset(const std::string &path, const ValidationOptions &options) {
    ValidationReport report;
    report.file = path;
    report.format = resolveDatasetFormat(path, options.format);

    auto record = [&](ValidationProblem problem) {
        ++report.problemCount;
        if (report.problems.size() < options.maxProblems) report.problems.push_back(std::move(problem));
    };
    ScanOptions scan;
    scan.wantConversations = false;
    scan.cancel = options.cancel;
    scan.progress = options.progress;
    ScanTotals totals = scanRows(
        path, report.format,
        [&](const RowView &row) {
            if (!row.problems.empty()) ++report.invalidRows;
            for (const RecordProblem &p : row.problems) record({row.line.number, row.row, p.column, p.reason});
            return true;
        },
        scan);
    report.lines = totals.lines;
    report.blankLines = totals.blankLines;
    report.rows = totals.rows;
    report.bytes = totals.bytes;
    if (report.rows == 0)
        record({0, 0, 0, totals.lines == 0 ? "file is empty: no rows" : "file has only blank lines: no rows"});
    return report;
}

std::string formatProblem(const std::string &file, const ValidationProblem &problem) {
    return common::InputError::format(file, problem.line, problem.reason);
}

}  // namespace inoculab::data
