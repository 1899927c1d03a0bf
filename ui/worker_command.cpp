#include "worker_command.h"

#include <QCoreApplication>
#include <QDir>

namespace inoculab::ui {

QString inoculabCliPath() {
    QString env = qEnvironmentVariable("INOCULAB_CLI");
    if (!env.isEmpty()) return env;
    return QDir(QCoreApplication::applicationDirPath()).filePath(QStringLiteral("inoculab-cli"));
}

}  // namespace inoculab::ui
