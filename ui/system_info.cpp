#include "system_info.h"

#include "worker_command.h"

#include "system/system_report.h"

#include <QCoreApplication>
#include <QProcess>

#include <nlohmann/json.hpp>

namespace inoculab::ui {

SystemInfo *SystemInfo::instance() {
    static SystemInfo *info = new SystemInfo;  // lives as long as the application
    return info;
}

SystemInfo::SystemInfo() : QObject(QCoreApplication::instance()) {
    auto *process = new QProcess(this);
    connect(process, &QProcess::finished, this, [this, process](int code, QProcess::ExitStatus status) {
        const QByteArray out = process->readAllStandardOutput();
        const QByteArray err = process->readAllStandardError();
        process->deleteLater();
        const nlohmann::json report = nlohmann::json::parse(out.toStdString(), nullptr, false);
        if (status != QProcess::NormalExit || code != 0 || !report.is_object()) {
            finish(tr("inoculab-cli system info failed: %1").arg(QString::fromUtf8(err)), {});
            return;
        }
        const nlohmann::json &why = report.value("/cuda/why_not"_json_pointer, nlohmann::json());
        try {
            QStringList gpus;
            if (report.value("/cuda/usable"_json_pointer, false))
                for (const nlohmann::json &gpu : report.value("/gpus/gpus"_json_pointer, nlohmann::json::array()))
                    gpus << QString::number(gpu.at("index").get<int>());
            finish(QString::fromStdString(system::formatSystemReport(report)),
                   why.is_string() ? QString::fromStdString(why.get<std::string>()) : QString(), gpus);
        } catch (const nlohmann::json::exception &e) {  // a report without the keys it should have
            finish(tr("inoculab-cli system info gave an unreadable report: %1").arg(QString::fromUtf8(e.what())), {});
        }
    });
    connect(process, &QProcess::errorOccurred, this, [this, process](QProcess::ProcessError error) {
        if (error != QProcess::FailedToStart) return;
        finish(tr("Cannot start %1: %2").arg(inoculabCliPath(), process->errorString()), {});
        process->deleteLater();
    });
    process->start(inoculabCliPath(), {QStringLiteral("system"), QStringLiteral("info"), QStringLiteral("--json")});
}

void SystemInfo::finish(QString text, QString whyNotCuda, QStringList cudaGpus) {
    m_text = std::move(text);
    m_whyNotCuda = std::move(whyNotCuda);
    m_cudaGpus = std::move(cudaGpus);
    m_ready = true;
    Q_EMIT ready();
}

}  // namespace inoculab::ui
