#pragma once
// InputError: a problem a user caused (bad file, bad row, bad option), carrying where it
// is so that every front end can print "FILE:LINE: reason" the same way.

#include <cstdint>
#include <stdexcept>
#include <string>

namespace inoculab::common {

class InputError : public std::runtime_error {
public:
    // line is 1-based; 0 means the problem concerns the whole file.
    InputError(std::string file, std::uint64_t line, std::string reason)
        : std::runtime_error(format(file, line, reason)),
          m_file(std::move(file)), m_line(line), m_reason(std::move(reason)) {}

    const std::string &file() const { return m_file; }
    std::uint64_t line() const { return m_line; }
    const std::string &reason() const { return m_reason; }

    static std::string format(const std::string &file, std::uint64_t line, const std::string &reason) {
        std::string where = file;
        if (line > 0) where += ":" + std::to_string(line);
        return where.empty() ? reason : where + ": " + reason;
    }

private:
    std::string m_file;
    std::uint64_t m_line;
    std::string m_reason;
};

// Thrown out of long operations whose CancelToken was set.
class Cancelled : public std::runtime_error {
public:
    Cancelled() : std::runtime_error("cancelled") {}
};

}  // namespace inoculab::common
