#include "data/jsonl_index.h"

#include "common/input_error.h"
#include "data/line_scanner.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace inoculab::data {

namespace {
constexpr std::uint64_t kProgressEveryBytes = 16u << 20;
}

JsonlIndex JsonlIndex::build(const std::string &path, const common::CancelToken *cancel,
                             const common::ProgressFn &progress) {
    JsonlIndex index;
    index.m_path = path;
    LineScanner scanner(path);
    index.m_fileSize = scanner.fileSize();
    std::uint64_t nextProgress = 0;
    Line line;
    while (scanner.next(line)) {
        if (line.blank) continue;
        std::uint64_t row = index.m_rowStarts.size();
        std::uint64_t expectedLine = index.m_lineJumps.empty()
                                         ? row + 1
                                         : index.m_lineJumps.back().second + (row - index.m_lineJumps.back().first);
        if (line.number != expectedLine) index.m_lineJumps.emplace_back(row, line.number);
        if (line.tooLong) index.m_tooLongRows.push_back(row);
        index.m_rowStarts.push_back(line.offset);
        if (scanner.bytesConsumed() >= nextProgress) {
            if (cancel && cancel->isCancelled()) throw common::Cancelled();
            if (progress) progress(scanner.bytesConsumed(), scanner.fileSize());
            nextProgress = scanner.bytesConsumed() + kProgressEveryBytes;
        }
    }
    if (progress) progress(scanner.fileSize(), scanner.fileSize());
    index.m_fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (index.m_fd < 0) throw common::InputError(path, 0, std::strerror(errno));
    return index;
}

JsonlIndex::JsonlIndex(JsonlIndex &&other) noexcept { *this = std::move(other); }

JsonlIndex &JsonlIndex::operator=(JsonlIndex &&other) noexcept {
    if (this != &other) {
        if (m_fd >= 0) ::close(m_fd);
        m_path = std::move(other.m_path);
        m_fd = std::exchange(other.m_fd, -1);
        m_fileSize = other.m_fileSize;
        m_rowStarts = std::move(other.m_rowStarts);
        m_lineJumps = std::move(other.m_lineJumps);
        m_tooLongRows = std::move(other.m_tooLongRows);
    }
    return *this;
}

JsonlIndex::~JsonlIndex() {
    if (m_fd >= 0) ::close(m_fd);
}

std::uint64_t JsonlIndex::lineOfRow(std::uint64_t row) const {
    auto after = std::upper_bound(m_lineJumps.begin(), m_lineJumps.end(), row,
                                  [](std::uint64_t r, const auto &jump) { return r < jump.first; });
    if (after == m_lineJumps.begin()) return row + 1;
    const auto &jump = *(after - 1);
    return jump.second + (row - jump.first);
}

std::uint64_t JsonlIndex::rowOfLine(std::uint64_t line) const {
    auto after = std::upper_bound(m_lineJumps.begin(), m_lineJumps.end(), line,
                                  [](std::uint64_t l, const auto &jump) { return l < jump.second; });
    std::uint64_t row = after == m_lineJumps.begin() ? line - 1 : (after - 1)->first + (line - (after - 1)->second);
    if (line == 0 || row >= rowCount() || lineOfRow(row) != line) return rowCount();
    return row;
}

bool JsonlIndex::isTooLong(std::uint64_t row) const {
    return std::binary_search(m_tooLongRows.begin(), m_tooLongRows.end(), row);
}

std::string JsonlIndex::readRow(std::uint64_t row) const {
    if (row >= rowCount()) throw std::out_of_range("row " + std::to_string(row) + " of " + std::to_string(rowCount()));
    if (isTooLong(row)) throw common::InputError(m_path, lineOfRow(row), "line is longer than 64 MiB");
    std::uint64_t begin = m_rowStarts[row];
    std::uint64_t end = row + 1 < rowCount() ? m_rowStarts[row + 1] : m_fileSize;
    std::string text(end - begin, '\0');
    std::size_t got = 0;
    while (got < text.size()) {
        ssize_t n = ::pread(m_fd, text.data() + got, text.size() - got, static_cast<off_t>(begin + got));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw common::InputError(m_path, lineOfRow(row), "file changed or shrank since it was indexed");
        got += static_cast<std::size_t>(n);
    }
    // Drop the line end and any blank lines that separate this row from the next.
    std::size_t newline = text.find('\n');
    if (newline != std::string::npos) text.resize(newline);
    if (!text.empty() && text.back() == '\r') text.pop_back();
    return text;
}

std::size_t JsonlIndex::memoryBytes() const {
    // libstdc++'s deque: 512-byte blocks of 64 offsets, plus a map of block pointers.
    std::size_t blocks = (m_rowStarts.size() + 63) / 64 + 1;
    return blocks * (512 + sizeof(void *)) + m_lineJumps.capacity() * sizeof(m_lineJumps[0]) +
           m_tooLongRows.capacity() * sizeof(std::uint64_t);
}

}  // namespace inoculab::data
