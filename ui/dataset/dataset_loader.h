#pragma once
// DatasetLoader: opens a dataset off the UI thread (format detection and the index scan,
// which reads the whole file), with progress and cancellation.
#include "common/progress.h"
#include "data/dataset_format.h"
#include "data/jsonl_index.h"

#include <QFutureWatcher>
#include <QObject>
#include <QString>
#include <QThreadPool>

#include <memory>

namespace inoculab::ui {

struct LoadedDataset {
    std::optional<data::JsonlIndex> index;
    data::DatasetFormat format = data::DatasetFormat::Messages;
    QString error;  // set when loading failed or was cancelled
    bool cancelled = false;
};

class DatasetLoader : public QObject {
    Q_OBJECT
public:
    explicit DatasetLoader(QObject *parent = nullptr);
    ~DatasetLoader() override;

    // Starts loading; a load still running is cancelled first.
    void load(const QString &path);
    void cancel();
    bool isRunning() const;

Q_SIGNALS:
    void progressChanged(int permille);
    // The caller takes the index out of `result`.
    void finished(std::shared_ptr<inoculab::ui::LoadedDataset> result);

private:
    void waitForRunningLoad();
    std::shared_ptr<common::CancelToken> m_cancel;
    // Not the global pool: the raster paint engine waits on that one (see background_job.h).
    QThreadPool m_pool;
    QFutureWatcher<std::shared_ptr<LoadedDataset>> m_watcher;
};

}  // namespace inoculab::ui
