#include "cluster_profile.h"

#include <QCoreApplication>
#include <QDir>
#include <QSettings>

namespace inoculab::ui {

QString ClusterProfile::problem() const {
    if (name.trimmed().isEmpty()) return QCoreApplication::translate("ClusterProfile", "the profile has no name");
    if (workDir.isEmpty() || !QDir::isAbsolutePath(workDir))
        return QCoreApplication::translate("ClusterProfile",
                                           "the work folder must be an absolute path on the cluster's shared "
                                           "filesystem");
    if (cpusPerTask < 1) return QCoreApplication::translate("ClusterProfile", "CPUs per task must be at least 1");
    return {};
}

QStringList ClusterProfile::runArguments() const {
    QStringList args{QStringLiteral("--backend"), QStringLiteral("slurm"), QStringLiteral("--work-dir"), workDir,
                     QStringLiteral("--cpus-per-task"), QString::number(cpusPerTask)};
    auto optional = [&args](const char *option, const QString &value) {
        if (!value.trimmed().isEmpty()) args << QLatin1String(option) << value.trimmed();
    };
    optional("--partition", partition);
    optional("--gres", gres);
    optional("--time", time);
    optional("--mem", mem);
    for (const QString &arg : sbatchArgs) args << QStringLiteral("--sbatch-arg=") + arg;
    return args;
}

std::vector<ClusterProfile> loadClusterProfiles() {
    QSettings settings;
    std::vector<ClusterProfile> profiles;
    const int count = settings.beginReadArray(QStringLiteral("cluster/profiles"));
    for (int i = 0; i < count; ++i) {
        settings.setArrayIndex(i);
        ClusterProfile p;
        p.name = settings.value(QStringLiteral("name")).toString();
        p.workDir = settings.value(QStringLiteral("workDir")).toString();
        p.partition = settings.value(QStringLiteral("partition")).toString();
        p.gres = settings.value(QStringLiteral("gres")).toString();
        p.time = settings.value(QStringLiteral("time")).toString();
        p.mem = settings.value(QStringLiteral("mem")).toString();
        p.cpusPerTask = settings.value(QStringLiteral("cpusPerTask"), 1).toInt();
        p.sbatchArgs = settings.value(QStringLiteral("sbatchArgs")).toStringList();
        profiles.push_back(p);
    }
    settings.endArray();
    return profiles;
}

void saveClusterProfiles(const std::vector<ClusterProfile> &profiles) {
    QSettings settings;
    settings.remove(QStringLiteral("cluster/profiles"));
    settings.beginWriteArray(QStringLiteral("cluster/profiles"), int(profiles.size()));
    for (int i = 0; i < int(profiles.size()); ++i) {
        const ClusterProfile &p = profiles[std::size_t(i)];
        settings.setArrayIndex(i);
        settings.setValue(QStringLiteral("name"), p.name);
        settings.setValue(QStringLiteral("workDir"), p.workDir);
        settings.setValue(QStringLiteral("partition"), p.partition);
        settings.setValue(QStringLiteral("gres"), p.gres);
        settings.setValue(QStringLiteral("time"), p.time);
        settings.setValue(QStringLiteral("mem"), p.mem);
        settings.setValue(QStringLiteral("cpusPerTask"), p.cpusPerTask);
        settings.setValue(QStringLiteral("sbatchArgs"), p.sbatchArgs);
    }
    settings.endArray();
}

}  // namespace inoculab::ui
