#pragma once
// FileLock: an exclusive flock on a file, held for the object's life and released by the
// kernel if the process dies, so a lock file never outlives its holder. Used to train a base
// model once among parallel workers, to keep two workers off one run, and by the GUI to tell
// a run whose worker is alive from one that was interrupted.

#include <string>

namespace inoculab::common {

class FileLock {
public:
    enum class Mode { Wait, TryOnce };
    // Throws InputError naming the file when it cannot be opened or (Wait) locked.
    explicit FileLock(const std::string &path, Mode mode = Mode::Wait);
    ~FileLock();
    FileLock(const FileLock &) = delete;
    FileLock &operator=(const FileLock &) = delete;

    // TryOnce: whether the lock was taken (false: another process holds it).
    bool isLocked() const { return m_locked; }

    // Whether some live process holds the lock on `path` now (false when the file is absent).
    static bool isHeldElsewhere(const std::string &path);

private:
    int m_fd = -1;
    bool m_locked = false;
};

}  // namespace inoculab::common
