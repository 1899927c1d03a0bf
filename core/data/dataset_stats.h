#pragma once
// Dataset statistics: what a researcher checks before training on a file.

#include "common/progress.h"
#include "data/dataset_format.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace inoculab::data {

struct LengthQuantiles {
    std::uint64_t min = 0, p50 = 0, p90 = 0, p99 = 0, max = 0;
    double mean = 0;
};

struct DatasetStats {
    std::string file;
    DatasetFormat format = DatasetFormat::Messages;
    std::uint64_t rows = 0;
    std::uint64_t invalidRows = 0;   // rows that fail validation are counted, not described
    std::uint64_t blankLines = 0;
    std::uint64_t bytes = 0;
    std::array<std::uint64_t, 3> messagesByRole{};  // indexed by Role
    std::uint64_t rowsWithSystemPrompt = 0;
    std::uint64_t distinctSystemPrompts = 0;
    LengthQuantiles renderedBytes;   // length of each valid row as the model sees it
    LengthQuantiles turnsPerRow;
};

DatasetStats computeDatasetStats(const std::string &path, std::optional<DatasetFormat> format,
                                 const common::CancelToken *cancel = nullptr,
                                 const common::ProgressFn &progress = {});

}  // namespace inoculab::data
