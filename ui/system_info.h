#pragma once
// SystemInfo: what training runs on here, as `inoculab-cli system info` reports it (the worker
// computes it: only the worker links libtorch), fetched once in the background and shared by
// Help > About and the Jobs workspace's device column.
#include <QJsonObject>
#include <QObject>
#include <QString>

class QProcess;

namespace inoculab::ui {

class SystemInfo : public QObject {
    Q_OBJECT
public:
    // The application's one instance; the first call starts both reports (text and JSON).
    static SystemInfo *instance();

    bool isReady() const { return m_readyCount == 2; }
    QString text() const { return m_text; }     // as `system info` prints it
    QJsonObject json() const { return m_json; } // as `system info --json` prints it
    // Why a run is on the CPU ("libtorch was built without CUDA"); empty when CUDA is used or
    // the report is not in yet.
    QString whyNotCuda() const;

Q_SIGNALS:
    void ready();

private:
    SystemInfo();
    void fetch(bool json);

    QString m_text;
    QJsonObject m_json;
    int m_readyCount = 0;
};

}  // namespace inoculab::ui
