#pragma once
// What SLURM's client commands say about jobs, parsed from their machine-readable output, and
// the state of a run decided from it and from the work folder's files. Parsing only: running
// the commands is slurm_client.h's.
#include "experiment/backends/slurm_work_dir.h"

#include <map>
#include <optional>
#include <string>

namespace inoculab::experiment {

// One job or array task as squeue or sacct reports it.
struct QueueEntry {
    std::string state;   // SLURM's name: PENDING, RUNNING, COMPLETED, FAILED, TIMEOUT, ...
    std::string reason;  // squeue: why PENDING (Priority, Resources, BeginTime, Dependency...)
    std::string node;    // where it runs or ran
    std::string exitCode;  // sacct: "CODE:SIGNAL"
};

// `squeue --noheader -r --states=all -o %i|%T|%r|%N`: task id ("123_4") -> entry. Lines that
// are not of this form (a ranged id squeue could not expand, a message) are skipped.
std::map<std::string, QueueEntry> parseSqueue(const std::string &text);
// `sacct --noheader --parsable2 -X -o JobID,State,ExitCode,NodeList`; "CANCELLED by 0" is
// read as CANCELLED.
std::map<std::string, QueueEntry> parseSacct(const std::string &text);
// The value of `Name = value` in `scontrol show config`; nullopt when absent.
std::optional<std::string> configValue(const std::string &scontrolShowConfig, const std::string &name);
// `sbatch --parsable`: "JOBID" or "JOBID;CLUSTER". Throws std::runtime_error when it is not.
std::string parseSbatchJobId(const std::string &text);

// A run's state on the cluster, as Inoculab shows it.
enum class ClusterRunState {
    Done,        // its result file is published
    Pending,     // in the queue, waiting (reason says why)
    Running,     // on a node
    Requeued,    // preempted or past its warning: back in the queue, resumes from its checkpoint
    Cancelled,   // stopped by scancel (or the run was cancelled): checkpointed; resubmitted on rerun
    Timeout,     // ended at its time limit without being requeued
    Failed,      // the worker failed or died; the log's tail says why
    Lost,        // submitted, but neither a file nor SLURM knows of it any more (a node failure
                 // after squeue forgot it, on a cluster without accounting)
    NotSubmitted,
};
std::string_view clusterRunStateName(ClusterRunState state);
// Done, Cancelled, Timeout, Failed and Lost: nothing more happens without a resubmission.
bool isFinal(ClusterRunState state);

struct ClusterRunStatus {
    ClusterRunState state = ClusterRunState::NotSubmitted;
    std::string jobId;   // the task's id, when submitted
    std::string detail;  // PENDING's reason, RUNNING's node, an exit code
    std::string slurmState;  // SLURM's own name for it, where squeue or sacct gave one
};

// The order of evidence (docs/cluster.md, "Where states come from"): the published result
// file; SLURM's view while the task is alive in the queue (a requeued task keeps its old exit
// record until it starts again); the exit record the batch script wrote; squeue's final
// state; then sacct's where the cluster keeps accounting.
ClusterRunStatus decideRunStatus(bool resultPublished, const std::string &jobId,
                                 const std::optional<ExitRecord> &exitRecord, const std::optional<QueueEntry> &queue,
                                 const std::optional<QueueEntry> &accounting);

}  // namespace inoculab::experiment
