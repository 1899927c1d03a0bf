#pragma once
// File-level transforms: convert any supported format to OpenAI chat JSONL, and write an
// inoculated copy of a dataset. Both stop at the first invalid row with FILE:LINE: reason,
// never touch the input, and write the output atomically.

#include "common/progress.h"
#include "data/dataset_format.h"
#include "data/inoculation.h"

#include <cstdint>
#include <optional>
#include <string>

namespace inoculab::data {

struct TransformSummary {
    DatasetFormat inputFormat = DatasetFormat::Messages;
    std::uint64_t rows = 0;
    std::uint64_t applied = 0;
    std::uint64_t notSelected = 0;
    std::uint64_t skippedExistingSystem = 0;
    std::uint64_t replacedSystem = 0;   // applied rows whose system message was replaced
    std::uint64_t prependedSystem = 0;  // or extended
};

struct TransformIo {
    std::string input;
    std::string output;
    std::optional<DatasetFormat> format;  // nullopt: detect
    const common::CancelToken *cancel = nullptr;
    common::ProgressFn progress;
};

// Throws InputError (bad row, unreadable input, OUT == IN, unwritable output) or Cancelled.
TransformSummary convertDataset(const TransformIo &io);
TransformSummary inoculateDataset(const TransformIo &io, const InoculationOptions &options);

}  // namespace inoculab::data
