#pragma once
// Progress reporting and cancellation shared by long core operations (scans, training).
// Core stays free of Qt, so the UI adapts these to its own signals.

#include <atomic>
#include <cstdint>
#include <functional>

namespace inoculab::common {

// Set from any thread; the operation notices at its next checkpoint and throws Cancelled.
class CancelToken {
public:
    void cancel() { m_cancelled.store(true, std::memory_order_relaxed); }
    bool isCancelled() const { return m_cancelled.load(std::memory_order_relaxed); }

private:
    std::atomic<bool> m_cancelled{false};
};

// Called now and then with work done and total work (both in the operation's own unit).
using ProgressFn = std::function<void(std::uint64_t done, std::uint64_t total)>;

}  // namespace inoculab::common
