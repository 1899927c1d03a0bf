#pragma once
// AtomicFileWriter: an output file appears whole or not at all. Bytes go to a temporary
// file beside the target; commit() flushes, syncs and renames it over the target. If the
// writer is destroyed without commit() (an error, a cancel), the temporary is removed and
// any existing target is untouched.

#include <cstdio>
#include <string>
#include <string_view>

namespace inoculab::common {

class AtomicFileWriter {
public:
    // Throws InputError naming the target when its folder cannot take a temporary file.
    explicit AtomicFileWriter(std::string targetPath);
    ~AtomicFileWriter();
    AtomicFileWriter(const AtomicFileWriter &) = delete;
    AtomicFileWriter &operator=(const AtomicFileWriter &) = delete;

    void write(std::string_view bytes);
    void commit();

    const std::string &temporaryPath() const { return m_tempPath; }

private:
    std::string m_target;
    std::string m_tempPath;
    std::FILE *m_file = nullptr;
    bool m_committed = false;
};

// True when both paths name the same file (also through links); false if `b` does not exist
// and its canonical path differs.
bool isSameFile(const std::string &a, const std::string &b);

}  // namespace inoculab::common
