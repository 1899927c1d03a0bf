#pragma once
// StallMeter: how long the GUI's event loop goes without turning, for the responsiveness
// tests of the workspaces.
#include <QElapsedTimer>
#include <QEventLoop>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <functional>

namespace inoculab::test {

// Nanoseconds this thread has spent runnable but waiting for a CPU (the kernel's
// schedstat run_delay), or -1 where the kernel does not keep it.
inline qint64 runQueueDelayNs() {
    std::FILE *f = std::fopen("/proc/thread-self/schedstat", "r");
    if (!f) return -1;
    unsigned long long cpu = 0, delay = 0;
    int fields = std::fscanf(f, "%llu %llu", &cpu, &delay);
    std::fclose(f);
    return fields == 2 ? qint64(delay) : -1;
}

// The longest time the event loop went without running a 2 ms timer, overall and per
// phase of a test. Next to the wall-clock gap it keeps the gap less the time the UI thread
// sat in the kernel's run queue: on a shared two-core machine other processes can hold
// both cores for a while, which says nothing about this code. Blocking (a lock, a wait
// on a future) still counts in full.
class StallMeter {
public:
    StallMeter() {
        m_timer.setTimerType(Qt::PreciseTimer);
        m_timer.setInterval(2);
        QObject::connect(&m_timer, &QTimer::timeout, [this] { tick(); });
    }
    void start() {
        m_clock.start();
        m_last = 0;
        m_lastDelay = runQueueDelayNs();
        m_timer.start();
    }
    void stop() {
        tick();
        m_timer.stop();
    }
    // The longest own-work gap since the last call.
    double takePhaseMs() {
        double phase = double(m_phaseGap) / 1e6;
        m_phaseGap = 0;
        return phase;
    }
    double maxGapMs() const { return double(m_maxGap) / 1e6; }        // wall clock
    double maxOwnGapMs() const { return double(m_maxOwnGap) / 1e6; }  // less run-queue waits
    bool hasRunQueueDelay() const { return m_lastDelay >= 0; }

private:
    void tick() {
        qint64 now = m_clock.nsecsElapsed();
        qint64 delay = runQueueDelayNs();
        qint64 gap = now - m_last;
        qint64 own = m_lastDelay >= 0 && delay >= 0 ? std::max<qint64>(0, gap - (delay - m_lastDelay)) : gap;
        m_maxGap = std::max(m_maxGap, gap);
        m_maxOwnGap = std::max(m_maxOwnGap, own);
        m_phaseGap = std::max(m_phaseGap, own);
        m_last = now;
        m_lastDelay = delay;
    }
    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_last = 0;
    qint64 m_lastDelay = -1;
    qint64 m_maxGap = 0;
    qint64 m_maxOwnGap = 0;
    qint64 m_phaseGap = 0;
};

// Runs the real event loop (QTest::qWaitFor sleeps between passes, which would show up as
// stalls) until `done` holds or the time is up.
inline bool spinUntil(const std::function<bool()> &done, int timeoutMs) {
    if (done()) return true;
    QEventLoop loop;
    QTimer poll;
    QObject::connect(&poll, &QTimer::timeout, &loop, [&] {
        if (done()) loop.quit();
    });
    poll.start(5);
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    loop.exec();
    return done();
}

}  // namespace inoculab::test
