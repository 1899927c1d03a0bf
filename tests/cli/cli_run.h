#pragma once
// Runs the inoculab-cli under test ($INOCULAB_CLI) to completion and keeps what it said.
#include <QByteArray>
#include <QProcess>
#include <QProcessEnvironment>
#include <QStringList>
#include <QTest>

namespace inoculab::test {

struct CliRun {
    int exitCode = -1;  // -1: it crashed
    QByteArray out, err;
};

inline CliRun runCli(const QStringList &args,
                     const QProcessEnvironment &env = QProcessEnvironment::systemEnvironment(),
                     int timeoutMs = 60000) {
    QProcess process;
    process.setProcessEnvironment(env);
    process.start(qEnvironmentVariable("INOCULAB_CLI"), args);
    if (!process.waitForFinished(timeoutMs)) qFatal("inoculab-cli did not finish");
    return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1, process.readAllStandardOutput(),
            process.readAllStandardError()};
}

}  // namespace inoculab::test
