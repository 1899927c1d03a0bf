#include "data/line_scanner.h"

#include "common/input_error.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sys/stat.h>

namespace inoculab::data {

namespace {
constexpr unsigned char kBom[] = {0xEF, 0xBB, 0xBF};
}

bool isBlank(std::string_view text) {
    return std::all_of(text.begin(), text.end(),
                       [](char c) { return c == ' ' || c == '\t' || c == '\r'; });
}

LineScanner::LineScanner(const std::string &path, std::size_t chunkBytes)
    : m_path(path), m_capacity(std::max<std::size_t>(chunkBytes, 4096)) {
    m_file = std::fopen(path.c_str(), "rb");
    if (!m_file) throw common::InputError(path, 0, std::strerror(errno));
    struct stat st {};
    if (::fstat(::fileno(m_file), &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            std::fclose(m_file);
            m_file = nullptr;
            throw common::InputError(path, 0, "is a directory");
        }
        m_fileSize = static_cast<std::uint64_t>(st.st_size);
    }
    // We do our own buffering; stdio's would only add a copy.
    std::setvbuf(m_file, nullptr, _IONBF, 0);
    // A small file needs no 8 MiB buffer (the buffer grows if the file does while we read).
    m_capacity = std::max<std::size_t>(std::min<std::uint64_t>(m_capacity, m_fileSize + 1), 4096);
    m_buffer = std::make_unique<char[]>(m_capacity + kPadding);
    std::memset(m_buffer.get(), 0, m_capacity + kPadding);

    refill();
    if (m_end - m_begin >= sizeof kBom && std::memcmp(m_buffer.get(), kBom, sizeof kBom) == 0)
        m_begin += sizeof kBom;
}

LineScanner::~LineScanner() {
    if (m_file) std::fclose(m_file);
}

bool LineScanner::refill() {
    if (m_eof) return false;
    // Keep the unread tail: move it to the front, grow the buffer if a line fills it.
    std::size_t tail = m_end - m_begin;
    if (m_begin > 0) {
        std::memmove(m_buffer.get(), m_buffer.get() + m_begin, tail);
        m_bufferFileOffset += m_begin;
        m_begin = 0;
        m_end = tail;
    }
    if (m_end == m_capacity) {
        // Never beyond one byte over the limit: enough to tell a line of exactly the limit
        // (its newline fits) from a longer one.
        std::size_t grown = std::max<std::size_t>(std::min<std::size_t>(m_capacity * 2, kMaxLineBytes + 1),
                                                  m_capacity + 1);
        auto bigger = std::make_unique<char[]>(grown + kPadding);
        std::memcpy(bigger.get(), m_buffer.get(), m_end);
        m_buffer = std::move(bigger);
        m_capacity = grown;
    }
    std::size_t got = std::fread(m_buffer.get() + m_end, 1, m_capacity - m_end, m_file);
    if (got == 0) {
        if (std::ferror(m_file)) throw common::InputError(m_path, 0, std::string("read error: ") + std::strerror(errno));
        m_eof = true;
    }
    m_end += got;
    std::memset(m_buffer.get() + m_end, 0, kPadding);
    return got > 0;
}

void LineScanner::skipRestOfLongLine(Line &line) {
    // The line did not end within kMaxLineBytes: drop what we hold and keep reading until
    // its newline, counting bytes but never storing them.
    for (;;) {
        const char *start = m_buffer.get() + m_begin;
        const void *nl = std::memchr(start, '\n', m_end - m_begin);
        if (nl) {
            std::size_t n = static_cast<const char *>(nl) - start;
            line.length += n;
            m_begin += n + 1;
            return;
        }
        line.length += m_end - m_begin;
        m_bufferFileOffset += m_end;
        m_begin = m_end = 0;
        if (!refill()) return;
    }
}

bool LineScanner::next(Line &line) {
    std::size_t searchFrom = m_begin;
    for (;;) {
        const char *base = m_buffer.get();
        const void *nl = std::memchr(base + searchFrom, '\n', m_end - searchFrom);
        std::size_t lineEnd;
        bool haveLine = false;
        if (nl) {
            lineEnd = static_cast<const char *>(nl) - base;
            haveLine = true;
        } else if (m_end - m_begin > kMaxLineBytes) {
            line = Line{};
            line.number = ++m_lineNumber;
            line.offset = m_bufferFileOffset + m_begin;
            line.tooLong = true;
            line.length = 0;
            skipRestOfLongLine(line);
            m_consumed = m_bufferFileOffset + m_begin;
            return true;
        } else {
            std::size_t scanned = m_end - m_begin;
            if (!refill()) {
                if (m_begin == m_end) return false;  // clean end of file
                lineEnd = m_end;                     // last line without a newline
                haveLine = true;
            } else {
                searchFrom = m_begin + scanned;  // m_begin is 0 after refill
            }
        }
        if (haveLine) {
            base = m_buffer.get();  // refill() may have moved the bytes to a bigger buffer
            line = Line{};
            line.number = ++m_lineNumber;
            line.offset = m_bufferFileOffset + m_begin;
            std::size_t textEnd = lineEnd;
            if (textEnd > m_begin && base[textEnd - 1] == '\r') --textEnd;
            line.length = textEnd - m_begin;
            line.text = std::string_view(base + m_begin, textEnd - m_begin);
            line.blank = isBlank(line.text);
            if (line.length > kMaxLineBytes) {
                line.tooLong = true;
                line.text = {};
            }
            m_begin = std::min(lineEnd + 1, m_end);
            m_consumed = m_bufferFileOffset + m_begin;
            return true;
        }
    }
}

}  // namespace inoculab::data
