#pragma once
// SystemInfo: what training runs on here, as `inoculab-cli system info --json` reports it (the
// worker computes it: only the worker links libtorch), fetched once in the background and
// shared by Help > About and the Jobs workspace's device column.
#include <QObject>
#include <QString>
#include <QStringList>

namespace inoculab::ui {

class SystemInfo : public QObject {
    Q_OBJECT
public:
    // The application's one instance; the first call starts the report.
    static SystemInfo *instance();

    bool isReady() const { return m_ready; }
    // As `system info` prints it (system::formatSystemReport), or why there is no report.
    QString text() const { return m_text; }
    // Why a run is on the CPU ("libtorch was built without CUDA"); empty when CUDA is used or
    // the report is not in yet.
    QString whyNotCuda() const { return m_whyNotCuda; }
    // The GPUs workers can train on (NVML indices, as `system info` lists them): every GPU
    // when the worker's libtorch can use CUDA, none otherwise or before the report is in.
    QStringList cudaGpus() const { return m_cudaGpus; }

Q_SIGNALS:
    void ready();

private:
    SystemInfo();
    void finish(QString text, QString whyNotCuda, QStringList cudaGpus = {});

    QString m_text, m_whyNotCuda;
    QStringList m_cudaGpus;
    bool m_ready = false;
};

}  // namespace inoculab::ui
