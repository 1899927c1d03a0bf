#pragma once
// BackgroundJob: runs one cancellable core operation at a time off the UI thread for a
// widget, relays its progress, and hands its result back on the UI thread.
//
// Starting a new run cancels the previous one without waiting for it (core scans only
// look at their token every few MB, and the UI thread must never block on that); a
// superseded run's progress and result are dropped. The destructor cancels and waits for
// every run still going, so no run outlives the object it reports to.
//
// Runs go to the job's own thread pool, never QThreadPool::globalInstance(): Qt's raster
// paint engine splits large fills over the global pool and waits for it, so a whole-file
// scan there stalls every repaint of the window until the scan ends.
#include "common/progress.h"

#include <QFuture>
#include <QList>
#include <QObject>
#include <QThreadPool>
#include <QtConcurrent/QtConcurrentRun>

#include <atomic>
#include <functional>
#include <memory>

namespace inoculab::ui {

class BackgroundJob : public QObject {
    Q_OBJECT
public:
    template <typename T>
    using Work = std::function<T(const common::CancelToken &, const common::ProgressFn &)>;

    // Runs on `pool` (kept by the caller, outliving this object) or, without one, on a
    // one-thread pool of its own.
    explicit BackgroundJob(QObject *parent = nullptr, QThreadPool *pool = nullptr);
    ~BackgroundJob() override;

    // `work` runs on a pool thread and must not touch widgets; `done` runs here afterwards
    // unless the run was cancelled or superseded meanwhile.
    template <typename T>
    void start(Work<T> work, std::function<void(T)> done);
    void cancel();
    bool isRunning() const { return m_running; }

Q_SIGNALS:
    void progressChanged(int permille);
    void runningChanged(bool running);

private:
    common::ProgressFn progressRelay(quint64 generation);
    void begin(std::shared_ptr<common::CancelToken> token);
    void end();
    void keep(QFuture<void> future);

    // One thread: a superseded run winds down (quickly, it is cancelled) before the next
    // starts, so a burst of new searches never piles up whole-file scans.
    QThreadPool m_ownPool;
    QThreadPool *m_pool;
    quint64 m_generation = 0;  // touched on the UI thread only
    bool m_running = false;
    std::shared_ptr<common::CancelToken> m_token;
    std::vector<std::shared_ptr<common::CancelToken>> m_tokens;  // of runs not yet waited for
    QList<QFuture<void>> m_futures;
};

template <typename T>
void BackgroundJob::start(Work<T> work, std::function<void(T)> done) {
    auto token = std::make_shared<common::CancelToken>();
    begin(token);
    const quint64 generation = m_generation;
    common::ProgressFn progress = progressRelay(generation);
    BackgroundJob *self = this;  // outlives the run: the destructor waits for it
    keep(QtConcurrent::run(m_pool, [self, generation, token, progress, work = std::move(work), done = std::move(done)] {
        auto result = std::make_shared<T>(work(*token, progress));
        if (token->isCancelled()) return;
        QMetaObject::invokeMethod(
            self,
            [self, generation, result, done] {
                if (self->m_generation != generation) return;
                self->end();
                done(std::move(*result));
            },
            Qt::QueuedConnection);
    }));
}

}  // namespace inoculab::ui
