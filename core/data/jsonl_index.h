#pragma once
// JsonlIndex: random access to the rows of a JSONL file of any size without loading it.
// One scan records where each row (non-blank line) starts: 8 bytes a row, plus a sparse
// list for the rare rows whose line number is not row + 1 (those after blank lines). A row
// ends where the next begins, less the line end and blank lines between. Rows are read back
// on demand with pread, from any thread.

#include "common/progress.h"

#include <cstdint>
#include <deque>
#include <string>
#include <utility>
#include <vector>

namespace inoculab::data {

class JsonlIndex {
public:
    // Scans the file once. Throws InputError if it cannot be read, Cancelled on cancel.
    static JsonlIndex build(const std::string &path, const common::CancelToken *cancel = nullptr,
                            const common::ProgressFn &progress = {});

    JsonlIndex(JsonlIndex &&) noexcept;
    JsonlIndex &operator=(JsonlIndex &&) noexcept;
    ~JsonlIndex();

    const std::string &path() const { return m_path; }
    std::uint64_t rowCount() const { return m_rowStarts.size(); }
    std::uint64_t fileSize() const { return m_fileSize; }
    std::uint64_t lineOfRow(std::uint64_t row) const;
    // The row with the given 1-based line number, or rowCount() if that line is not a row.
    std::uint64_t rowOfLine(std::uint64_t line) const;
    bool isTooLong(std::uint64_t row) const;

    // The row's text without its line end. Throws InputError for a row over the line limit
    // or if the file changed size since indexing; std::out_of_range for a bad row.
    std::string readRow(std::uint64_t row) const;

    std::size_t memoryBytes() const;

private:
    JsonlIndex() = default;

    std::string m_path;
    int m_fd = -1;
    std::uint64_t m_fileSize = 0;
    // A deque, not a vector: it grows in 512-byte blocks, so memory stays at about 8 bytes
    // a row while indexing instead of doubling (16 bytes a row) at each reallocation.
    std::deque<std::uint64_t> m_rowStarts;
    // (row, line) at each row where the line number stops following on from the row before.
    std::vector<std::pair<std::uint64_t, std::uint64_t>> m_lineJumps;
    std::vector<std::uint64_t> m_tooLongRows;   // sorted
};

}  // namespace inoculab::data
