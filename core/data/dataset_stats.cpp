#include "data/dataset_stats.h"

#include "data/chat_render.h"
#include "data/row_scan.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_set>
#include <vector>

namespace inoculab::data {

namespace {

// Nearest-rank quantiles; sorts its argument.
LengthQuantiles quantiles(std::vector<std::uint32_t> &values) {
    LengthQuantiles q;
    if (values.empty()) return q;
    std::sort(values.begin(), values.end());
    auto at = [&](double p) {
        std::size_t rank = static_cast<std::size_t>(std::ceil(p * values.size()));
        return values[std::clamp<std::size_t>(rank, 1, values.size()) - 1];
    };
    q.min = values.front();
    q.max = values.back();
    q.p50 = at(0.50);
    q.p90 = at(0.90);
    q.p99 = at(0.99);
    q.mean = std::accumulate(values.begin(), values.end(), 0.0) / values.size();
    return q;
}

}  // namespace

LengthHistogram lengthHistogram(const std::vector<std::uint32_t> &values, std::uint64_t upTo, std::size_t maxBins) {
    LengthHistogram h;
    if (values.empty() || maxBins == 0) return h;
    std::uint64_t low = *std::min_element(values.begin(), values.end());
    if (upTo < low) upTo = low;
    // Round widths keep the axis labels readable (0, 50, 100, ... rather than 0, 47, 94).
    std::uint64_t span = upTo - low + 1;
    std::uint64_t needed = (span + maxBins - 1) / maxBins;
    std::uint64_t width = 1;
    for (std::uint64_t decade = 1;; decade *= 10) {
        if (needed <= decade) {
            width = decade;
            break;
        }
        if (needed <= 2 * decade) {
            width = 2 * decade;
            break;
        }
        if (needed <= 5 * decade) {
            width = 5 * decade;
            break;
        }
    }
    h.binWidth = width;
    h.binStart = low / width * width;
    h.counts.assign(static_cast<std::size_t>((upTo - h.binStart) / width + 1), 0);
    for (std::uint32_t v : values) {
        if (v > upTo) {
            ++h.above;
            continue;
        }
        ++h.counts[static_cast<std::size_t>((v - h.binStart) / width)];
    }
    return h;
}

DatasetStats computeDatasetStats(const std::string &path, std::optional<DatasetFormat> format,
                                 const common::CancelToken *cancel, const common::ProgressFn &progress) {
    DatasetStats stats;
    stats.file = path;
    stats.format = resolveDatasetFormat(path, format);
    // 4 bytes a row each: lengths are bounded by the 64 MiB line limit.
    std::vector<std::uint32_t> rendered, turns;
    // Hashes, not texts: memory grows with the number of distinct prompts, not their length.
    std::unordered_set<std::size_t> systemPrompts;
    ScanOptions scan;
    scan.cancel = cancel;
    scan.progress = progress;
    ScanTotals totals = scanRows(
        path, stats.format,
        [&](const RowView &row) {
            if (!row.problems.empty()) {
                ++stats.invalidRows;
                return true;
            }
            const Conversation &c = row.conversation;
            for (const Message &m : c.messages) {
                ++stats.messagesByRole[static_cast<std::size_t>(m.role)];
                if (m.role == Role::System) systemPrompts.insert(std::hash<std::string>{}(m.content));
            }
            if (c.hasSystemMessage()) ++stats.rowsWithSystemPrompt;
            rendered.push_back(static_cast<std::uint32_t>(renderedLength(c)));
            turns.push_back(static_cast<std::uint32_t>(c.messages.size()));
            return true;
        },
        scan);
    stats.rows = totals.rows;
    stats.blankLines = totals.blankLines;
    stats.bytes = totals.bytes;
    stats.distinctSystemPrompts = systemPrompts.size();
    stats.renderedBytes = quantiles(rendered);
    stats.renderedHistogram = lengthHistogram(rendered, stats.renderedBytes.p99);
    stats.turnsPerRow = quantiles(turns);
    return stats;
}

}  // namespace inoculab::data
