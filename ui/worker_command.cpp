#include "worker_command.h"

#include <QCoreApplication>
#include <QDir>

namespace inoculab::ui {

QString inoculabCliPath() {
    QString env = qEnvironmentVariable("INOCULAB_CLI");
    if (!env.isEmpty()) return env;
    return QDir(QCoreApplication::applicationDirPath()).filePath(QStringLiteral("inoculab-cli"));
}

QProcessEnvironment workerEnvironment(int threads) {
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("OMP_NUM_THREADS"), QString::number(threads));
    env.insert(QStringLiteral("OPENBLAS_NUM_THREADS"), QString::number(threads));
    env.insert(QStringLiteral("OMP_WAIT_POLICY"), QStringLiteral("PASSIVE"));
    return env;
}

}  // namespace inoculab::ui
