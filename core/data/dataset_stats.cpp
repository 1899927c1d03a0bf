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
    stats.turnsPerRow = quantiles(turns);
    return stats;
}

}  // namespace inoculab::data
