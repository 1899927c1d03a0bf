#include "dataset/dataset_loader.h"

#include "common/input_error.h"
#include "data/row_scan.h"

#include <QPointer>
#include <QtConcurrent/QtConcurrentRun>

#include <atomic>

namespace inoculab::ui {

DatasetLoader::DatasetLoader(QObject *parent) : QObject(parent) {
    connect(&m_watcher, &QFutureWatcher<std::shared_ptr<LoadedDataset>>::finished, this,
            [this] { Q_EMIT finished(m_watcher.result()); });
}

DatasetLoader::~DatasetLoader() { waitForRunningLoad(); }

bool DatasetLoader::isRunning() const { return m_watcher.isRunning(); }

void DatasetLoader::cancel() {
    if (m_cancel) m_cancel->cancel();
}

void DatasetLoader::waitForRunningLoad() {
    cancel();
    m_watcher.waitForFinished();
}

void DatasetLoader::load(const QString &path) {
    if (m_watcher.isRunning()) {
        // Its result must not be reported as this load's: disconnect while it winds down.
        m_watcher.disconnect(this);
        waitForRunningLoad();
        connect(&m_watcher, &QFutureWatcher<std::shared_ptr<LoadedDataset>>::finished, this,
                [this] { Q_EMIT finished(m_watcher.result()); });
    }
    m_cancel = std::make_shared<common::CancelToken>();
    auto cancel = m_cancel;
    QPointer<DatasetLoader> self(this);
    // Progress arrives on the worker thread; only changes of a tenth of a percent are posted.
    auto lastPermille = std::make_shared<std::atomic<int>>(-1);
    auto progress = [self, lastPermille](std::uint64_t done, std::uint64_t total) {
        int permille = total == 0 ? 1000 : int(done * 1000 / total);
        if (lastPermille->exchange(permille) == permille || !self) return;
        QMetaObject::invokeMethod(
            self,
            [self, permille] {
                if (self) Q_EMIT self->progressChanged(permille);
            },
            Qt::QueuedConnection);
    };
    std::string file = path.toStdString();
    m_watcher.setFuture(QtConcurrent::run(&m_pool, [file, cancel, progress] {
        auto result = std::make_shared<LoadedDataset>();
        try {
            result->format = data::detectDatasetFormat(file);
            result->index.emplace(data::JsonlIndex::build(file, cancel.get(), progress));
        } catch (const common::Cancelled &) {
            result->cancelled = true;
            result->error = QObject::tr("Loading cancelled");
        } catch (const std::exception &e) {
            result->error = QString::fromStdString(e.what());
        }
        return result;
    }));
}

}  // namespace inoculab::ui
