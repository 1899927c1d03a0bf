#pragma once
// LineScanner: reads a (possibly huge) text file line by line through one reusable buffer,
// so memory stays bounded by the longest line rather than the file. It is the single scan
// behind indexing, validation, stats and transforms.
//
// Deliberate handling of the awkward cases:
//  - a UTF-8 byte-order mark at the start of the file is skipped;
//  - "\r\n" line ends lose their '\r';
//  - a last line without a final newline is still a line;
//  - blank lines (only spaces, tabs, '\r') are reported with blank = true;
//  - a line longer than kMaxLineBytes is reported with tooLong = true and empty text,
//    and is skipped without ever being held in memory.
// Every returned text is followed in memory by at least kPadding readable bytes, as
// simdjson requires of its input.

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

namespace inoculab::data {

struct Line {
    std::string_view text;     // without line end; empty when tooLong
    std::uint64_t number = 0;  // 1-based line number in the file
    std::uint64_t offset = 0;  // byte offset of the line's first byte in the file
    std::uint64_t length = 0;  // bytes in the line, without its line end (even when tooLong)
    bool blank = false;
    bool tooLong = false;
};

class LineScanner {
public:
    static constexpr std::uint64_t kMaxLineBytes = 64ull << 20;  // 64 MiB
    static constexpr std::size_t kPadding = 64;                  // >= SIMDJSON_PADDING

    // Throws common::InputError when the file cannot be opened.
    explicit LineScanner(const std::string &path, std::size_t chunkBytes = 8u << 20);
    ~LineScanner();
    LineScanner(const LineScanner &) = delete;
    LineScanner &operator=(const LineScanner &) = delete;

    // Fills line and returns true, or returns false at the end of the file.
    bool next(Line &line);

    std::uint64_t fileSize() const { return m_fileSize; }
    std::uint64_t bytesConsumed() const { return m_consumed; }
    const std::string &path() const { return m_path; }

private:
    bool refill();             // reads more bytes after keeping the unread tail; false at EOF
    void skipRestOfLongLine(Line &line);

    std::string m_path;
    std::FILE *m_file = nullptr;
    std::unique_ptr<char[]> m_buffer;
    std::size_t m_capacity = 0;  // usable bytes (the padding comes on top)
    std::size_t m_begin = 0;     // first unread byte in the buffer
    std::size_t m_end = 0;       // one past the last valid byte
    std::uint64_t m_bufferFileOffset = 0;  // file offset of m_buffer[0]
    std::uint64_t m_consumed = 0;
    std::uint64_t m_fileSize = 0;
    std::uint64_t m_lineNumber = 0;
    bool m_eof = false;
};

bool isBlank(std::string_view text);

}  // namespace inoculab::data
