#pragma once
// ClusterProfile: a saved way of running on a SLURM cluster (docs/cluster.md): the work
// folder on the cluster's shared filesystem and the sbatch settings. The Jobs workspace offers
// each as "Run on: <name>"; runs then go through `inoculab-cli experiment run --backend slurm`.
#include <QString>
#include <QStringList>

#include <vector>

namespace inoculab::ui {

struct ClusterProfile {
    QString name;
    QString workDir;  // absolute, shared by the submit host and the nodes
    QString partition, gres, time, mem;
    int cpusPerTask = 1;
    QStringList sbatchArgs;  // passed as they are, one --sbatch-arg each

    // Why the profile cannot be used (empty when it can): the CLI checks the rest.
    QString problem() const;
    // The `experiment run` options that send runs to this profile's cluster.
    QStringList runArguments() const;
};

// The profiles saved in the user's settings, in the order they were added.
std::vector<ClusterProfile> loadClusterProfiles();
void saveClusterProfiles(const std::vector<ClusterProfile> &profiles);

}  // namespace inoculab::ui
