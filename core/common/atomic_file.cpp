#include "common/atomic_file.h"

#include "common/input_error.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace inoculab::common {

namespace fs = std::filesystem;

AtomicFileWriter::AtomicFileWriter(std::string targetPath) : m_target(std::move(targetPath)) {
    fs::path target(m_target);
    fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
    std::string pattern = (dir / ("." + target.filename().string() + ".tmp-XXXXXX")).string();
    std::vector<char> name(pattern.begin(), pattern.end());
    name.push_back('\0');
    int fd = ::mkstemp(name.data());
    if (fd < 0) throw InputError(m_target, 0, std::string("cannot create output: ") + std::strerror(errno));
    m_tempPath = name.data();
    // mkstemp makes 0600; give the file the permissions a plain create would (0666 & ~umask).
    mode_t mask = ::umask(0);
    ::umask(mask);
    ::fchmod(fd, 0666 & ~mask);
    m_file = ::fdopen(fd, "wb");
    if (!m_file) {
        ::close(fd);
        ::unlink(m_tempPath.c_str());
        throw InputError(m_target, 0, std::string("cannot open output: ") + std::strerror(errno));
    }
    std::setvbuf(m_file, nullptr, _IOFBF, 1u << 20);
}

AtomicFileWriter::~AtomicFileWriter() {
    if (m_file) std::fclose(m_file);
    if (!m_committed) ::unlink(m_tempPath.c_str());
}

void AtomicFileWriter::write(std::string_view bytes) {
    if (std::fwrite(bytes.data(), 1, bytes.size(), m_file) != bytes.size())
        throw InputError(m_target, 0, std::string("write failed: ") + std::strerror(errno));
}

void AtomicFileWriter::commit() {
    bool ok = std::fflush(m_file) == 0 && ::fsync(::fileno(m_file)) == 0;
    int savedErrno = errno;
    ok = (std::fclose(m_file) == 0) && ok;
    m_file = nullptr;
    if (!ok) throw InputError(m_target, 0, std::string("write failed: ") + std::strerror(savedErrno));
    if (::rename(m_tempPath.c_str(), m_target.c_str()) != 0)
        throw InputError(m_target, 0, std::string("cannot move output into place: ") + std::strerror(errno));
    m_committed = true;
}

bool isSameFile(const std::string &a, const std::string &b) {
    std::error_code ec;
    if (fs::exists(a, ec) && fs::exists(b, ec)) return fs::equivalent(a, b, ec);
    return fs::weakly_canonical(a, ec) == fs::weakly_canonical(b, ec);
}

}  // namespace inoculab::common
