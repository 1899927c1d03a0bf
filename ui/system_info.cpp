#include "system_info.h"

#include "worker_command.h"

#include <QCoreApplication>
#include <QJsonDocument>
#include <QProcess>

namespace inoculab::ui {

SystemInfo *SystemInfo::instance() {
    static SystemInfo *info = new SystemInfo;  // lives as long as the application
    return info;
}

SystemInfo::SystemInfo() : QObject(QCoreApplication::instance()) {
    fetch(false);
    fetch(true);
}

void SystemInfo::fetch(bool json) {
    auto *process = new QProcess(this);
    QStringList args{QStringLiteral("system"), QStringLiteral("info")};
    if (json) args << QStringLiteral("--json");
    connect(process, &QProcess::finished, this, [this, process, json](int code, QProcess::ExitStatus status) {
        const QByteArray out = process->readAllStandardOutput();
        const bool ok = status == QProcess::NormalExit && code == 0;
        if (json)
            m_json = ok ? QJsonDocument::fromJson(out).object() : QJsonObject();
        else
            m_text = ok ? QString::fromUtf8(out)
                        : tr("inoculab-cli system info failed: %1").arg(QString::fromUtf8(process->readAllStandardError()));
        process->deleteLater();
        if (++m_readyCount == 2) Q_EMIT ready();
    });
    connect(process, &QProcess::errorOccurred, this, [this, process, json](QProcess::ProcessError error) {
        if (error != QProcess::FailedToStart) return;
        if (!json) m_text = tr("Cannot start %1: %2").arg(inoculabCliPath(), process->errorString());
        process->deleteLater();
        if (++m_readyCount == 2) Q_EMIT ready();
    });
    process->start(inoculabCliPath(), args);
}

QString SystemInfo::whyNotCuda() const {
    const QJsonValue why = m_json.value(QLatin1String("cuda")).toObject().value(QLatin1String("why_not"));
    return why.isString() ? why.toString() : QString();
}

}  // namespace inoculab::ui
