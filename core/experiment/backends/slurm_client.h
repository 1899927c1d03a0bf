#pragma once
// Inoculab's use of SLURM's client commands (sbatch, squeue, scontrol, scancel, sacct), run
// where they work: a login node or a submit host. SLURM schedules; Inoculab only submits one
// array job of worker tasks per experiment and reads back what happened (docs/cluster.md).
#include "experiment/backends/slurm_queue.h"
#include "experiment/backends/slurm_work_dir.h"

#include <map>
#include <set>
#include <string>
#include <vector>

namespace inoculab::experiment {

// What every task asks SLURM for: a cluster profile's settings (empty: the cluster's default).
struct SlurmOptions {
    std::string partition, gres, time, mem;
    int cpusPerTask = 1;
    std::vector<std::string> extraArgs;  // given to sbatch as they are
    // The warning before the time limit (and what a preempting partition gives): the task
    // checkpoints, then requeues itself and resumes. It must leave the run time to progress.
    int warningSeconds = 300;
    int maxRequeues = 20;  // a run that needs more attempts than this stops as timeout
};

// Checks what can be checked before anything is submitted: a warning shorter than the time
// limit, a positive CPU count. Throws std::invalid_argument saying which option is wrong.
void checkSlurmOptions(const SlurmOptions &options);
// SLURM's --time formats ("MM", "MM:SS", "HH:MM:SS", "D-HH", "D-HH:MM", "D-HH:MM:SS") in
// seconds; nullopt when it is not one of them.
std::optional<long> slurmTimeSeconds(const std::string &time);

// The batch script: `inoculab-task.sh MANIFEST` runs the run on line SLURM_ARRAY_TASK_ID + 1
// (the only line, for the pretraining job) with `cli worker`, forwards SLURM's signals to the
// worker, and records how it ended unless it requeued itself.
std::string slurmBatchScript(const SlurmWorkDir &dir, const std::string &cliPath, const SlurmOptions &options);

class SlurmClient {
public:
    // MaxArraySize from `scontrol show config` (the largest array is MaxArraySize tasks, ids
    // 0..MaxArraySize-1); whether the cluster keeps accounting (sacct works).
    void readConfig();
    std::size_t maxArraySize() const { return m_maxArraySize; }
    bool hasAccounting() const { return m_accounting; }

    // Submits the manifest's tasks as one array job (or, with `pretrain`, the one job that
    // pretrains the base model) and returns its id. `afterJob`: start only once that job ended
    // well; the array is cancelled if it failed.
    std::string submit(const SlurmWorkDir &dir, const std::string &manifest, std::size_t tasks,
                       const SlurmOptions &options, const std::string &jobName, bool pretrain,
                       const std::string &afterJob);
    // What squeue (and sacct, with accounting) know of these jobs: task id -> entry. Array
    // tasks are listed one per line ("123_4"); a plain job under its id.
    std::map<std::string, QueueEntry> queue(const std::set<std::string> &jobIds) const;
    std::map<std::string, QueueEntry> accounting(const std::set<std::string> &jobIds) const;
    void cancel(const std::vector<std::string> &taskIds) const;

private:
    std::size_t m_maxArraySize = 1001;  // SLURM's default
    bool m_accounting = false;
};

}  // namespace inoculab::experiment
