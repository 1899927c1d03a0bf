#pragma once
// Dataset validation: every problem of every row, reported as FILE:LINE: reason, capped at
// a maximum number of listed problems while still counting all of them.

#include "common/progress.h"
#include "data/dataset_format.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace inoculab::data {

struct ValidationProblem {
    std::uint64_t line = 0;    // 1-based; 0 for a problem of the whole file
    std::uint64_t row = 0;     // 0-based row index (non-blank lines), for jumping to it
    std::uint64_t column = 0;  // 1-based byte column, 0 when not about a position
    std::string reason;
};

struct ValidationOptions {
    std::optional<DatasetFormat> format;  // nullopt: detect
    std::size_t maxProblems = 20;
    const common::CancelToken *cancel = nullptr;
    common::ProgressFn progress;
};

struct ValidationReport {
    std::string file;
    DatasetFormat format = DatasetFormat::Messages;
    std::uint64_t lines = 0;
    std::uint64_t blankLines = 0;
    std::uint64_t rows = 0;
    std::uint64_t invalidRows = 0;
    std::uint64_t bytes = 0;
    std::vector<ValidationProblem> problems;  // at most maxProblems
    std::uint64_t problemCount = 0;           // all of them

    bool ok() const { return problemCount == 0; }
};

// Throws InputError only when the file cannot be read or its format cannot be detected;
// problems with its content are in the report.
ValidationReport validateDataset(const std::string &path, const ValidationOptions &options = {});

// "FILE:LINE: reason" (or "FILE: reason" for whole-file problems).
std::string formatProblem(const std::string &file, const ValidationProblem &problem);

}  // namespace inoculab::data
