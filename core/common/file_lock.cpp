#include "common/file_lock.h"

#include "common/input_error.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>

namespace inoculab::common {

FileLock::FileLock(const std::string &path, Mode mode)
    : m_fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)) {
    if (m_fd < 0) throw InputError(path, 0, "cannot be opened for locking");
    int rc;
    do {
        rc = ::flock(m_fd, LOCK_EX | (mode == Mode::TryOnce ? LOCK_NB : 0));
    } while (rc != 0 && errno == EINTR);
    m_locked = rc == 0;
    if (!m_locked && mode == Mode::Wait) {
        ::close(m_fd);
        m_fd = -1;
        throw InputError(path, 0, "cannot be locked");
    }
}

FileLock::~FileLock() {
    if (m_fd >= 0) ::close(m_fd);
}

bool FileLock::isHeldElsewhere(const std::string &path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    bool held = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    ::close(fd);
    return held;
}

}  // namespace inoculab::common
