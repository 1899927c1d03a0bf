#pragma once
// Dataset statistics: what a researcher checks before training on a file.

#include "common/progress.h"
#include "data/dataset_format.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace inoculab::data {

struct LengthQuantiles {
    std::uint64_t min = 0, p50 = 0, p90 = 0, p99 = 0, max = 0;
    double mean = 0;
};

// Equal-width bins of a length distribution, for a histogram chart. Bin i counts values in
// [binStart + i * binWidth, binStart + (i + 1) * binWidth); values past the last bin are
// counted in `above`, so one huge row does not squash every other bar into the first bin.
struct LengthHistogram {
    std::uint64_t binStart = 0;
    std::uint64_t binWidth = 0;  // 0 when there are no values
    std::vector<std::uint64_t> counts;
    std::uint64_t above = 0;
};

// Bins values up to `upTo` (inclusive) with a round width (1, 2 or 5 x 10^k) giving at most
// maxBins bins; the first bin starts at the smallest value rounded down to the width.
LengthHistogram lengthHistogram(const std::vector<std::uint32_t> &values, std::uint64_t upTo, std::size_t maxBins = 40);

struct DatasetStats {
    std::string file;
    DatasetFormat format = DatasetFormat::Messages;
    std::uint64_t rows = 0;
    std::uint64_t invalidRows = 0;  // rows that fail validation are counted, not described
    std::uint64_t blankLines = 0;
    std::uint64_t bytes = 0;
    std::array<std::uint64_t, 3> messagesByRole{};  // indexed by Role
    std::uint64_t rowsWithSystemPrompt = 0;
    std::uint64_t distinctSystemPrompts = 0;
    LengthQuantiles renderedBytes;      // length of each valid row as the model sees it
    LengthHistogram renderedHistogram;  // up to the 99th percentile; longer rows in `above`
    LengthQuantiles turnsPerRow;
};

DatasetStats computeDatasetStats(const std::string &path, std::optional<DatasetFormat> format,
                                 const common::CancelToken *cancel = nullptr, const common::ProgressFn &progress = {});

}  // namespace inoculab::data
