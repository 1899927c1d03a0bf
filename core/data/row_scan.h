#pragma once
// scanRows: the one loop over a dataset file's rows (non-blank lines), shared by
// validation, stats, conversion and inoculation. It parses each row with RecordParser and
// hands over either the Conversation or the row's problems.

#include "common/progress.h"
#include "data/dataset_format.h"
#include "data/line_scanner.h"
#include "data/record_parser.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace inoculab::data {

struct RowView {
    const Line &line;
    std::uint64_t row;  // 0-based index among non-blank lines
    const std::vector<RecordProblem> &problems;  // empty when the row is valid
    Conversation &conversation;                  // filled when the row is valid and wanted
};

struct ScanOptions {
    bool wantConversations = true;  // false skips building Conversations (validation speed)
    const common::CancelToken *cancel = nullptr;
    common::ProgressFn progress;    // bytes done, file size
};

struct ScanTotals {
    std::uint64_t lines = 0;
    std::uint64_t blankLines = 0;
    std::uint64_t rows = 0;
    std::uint64_t bytes = 0;
};

// Returns false from onRow to stop early. Throws InputError if the file cannot be read,
// Cancelled if the token is set.
ScanTotals scanRows(const std::string &path, DatasetFormat format,
                    const std::function<bool(const RowView &)> &onRow, const ScanOptions &options = {});

// Detects the format from the first rows that are JSON objects with recognisable keys.
// An empty file reads as Messages (so its emptiness is reported by the caller).
// Throws InputError naming the file when the first rows fit no format.
DatasetFormat detectDatasetFormat(const std::string &path);

// The format to use: the requested one, or the detected one for nullopt ("auto").
DatasetFormat resolveDatasetFormat(const std::string &path, std::optional<DatasetFormat> requested);

// Problem text for one row, as shown to users: "reason" for line-level problems.
std::string tooLongReason(std::uint64_t length);

}  // namespace inoculab::data
