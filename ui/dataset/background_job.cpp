#include "dataset/background_job.h"

namespace inoculab::ui {

BackgroundJob::BackgroundJob(QObject *parent, QThreadPool *pool) : QObject(parent), m_pool(pool ? pool : &m_ownPool) {
    m_ownPool.setMaxThreadCount(1);
}

BackgroundJob::~BackgroundJob() {
    for (const auto &token : m_tokens) token->cancel();
    for (QFuture<void> &future : m_futures) future.waitForFinished();
}

void BackgroundJob::cancel() {
    if (m_token) m_token->cancel();
    ++m_generation;
    if (m_running) end();
}

void BackgroundJob::begin(std::shared_ptr<common::CancelToken> token) {
    if (m_token) m_token->cancel();
    ++m_generation;
    m_token = token;
    m_tokens.push_back(std::move(token));
    // Progress first: a progress bar repaints at once on setValue, unless still hidden.
    Q_EMIT progressChanged(0);
    if (!m_running) {
        m_running = true;
        Q_EMIT runningChanged(true);
    }
}

void BackgroundJob::end() {
    m_running = false;
    Q_EMIT runningChanged(false);
}

void BackgroundJob::keep(QFuture<void> future) {
    // Forget runs that are over, so a long session does not collect tokens.
    for (qsizetype i = m_futures.size() - 1; i >= 0; --i) {
        if (m_futures[i].isFinished()) {
            m_futures.removeAt(i);
            m_tokens.erase(m_tokens.begin() + i);
        }
    }
    m_futures.append(std::move(future));
}

common::ProgressFn BackgroundJob::progressRelay(quint64 generation) {
    // Progress arrives on the worker thread; only whole-permille changes are posted.
    auto last = std::make_shared<std::atomic<int>>(-1);
    BackgroundJob *self = this;
    return [self, generation, last](std::uint64_t done, std::uint64_t total) {
        int permille = total == 0 ? 1000 : int(done * 1000 / total);
        if (last->exchange(permille) == permille) return;
        QMetaObject::invokeMethod(
            self,
            [self, generation, permille] {
                if (self->m_generation == generation) Q_EMIT self->progressChanged(permille);
            },
            Qt::QueuedConnection);
    };
}

}  // namespace inoculab::ui
