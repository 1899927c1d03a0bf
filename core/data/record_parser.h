#pragma once
// RecordParser: turns one JSONL row of any supported format into a Conversation while
// checking every rule a training row must meet. Validation, stats, transforms and the GUI
// all go through it, so "valid" means one thing everywhere.
//
// Fast path: simdjson's validating DOM parser (GB/s). Only rows that fail are parsed a
// second time, with nlohmann/json, to name the column of a syntax error.

#include "data/conversation.h"
#include "data/dataset_format.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace inoculab::data {

struct RecordProblem {
    std::uint64_t column = 0;  // 1-based byte column in the line; 0 when not about a position
    std::string reason;
};

class RecordParser {
public:
    RecordParser();
    ~RecordParser();
    RecordParser(const RecordParser &) = delete;
    RecordParser &operator=(const RecordParser &) = delete;

    // Parses text as one row. Returns every problem found (empty: the row is valid and, when
    // out is given, *out holds it). `padded` promises LineScanner::kPadding readable bytes
    // after text, which saves a copy.
    std::vector<RecordProblem> parse(std::string_view text, DatasetFormat format,
                                     Conversation *out, bool padded = false);

    // The format a row's keys suggest; nullopt if it is not a JSON object with known keys.
    std::optional<DatasetFormat> detect(std::string_view text, bool padded = false);

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;  // keeps simdjson.h out of includers
};

// Byte offset of the first byte that is not part of well-formed UTF-8, if any.
std::optional<std::size_t> firstInvalidUtf8(std::string_view text);

}  // namespace inoculab::data
