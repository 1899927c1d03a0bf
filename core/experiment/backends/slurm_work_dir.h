#pragma once
// The work folder of an experiment on a SLURM cluster, on the cluster's shared filesystem:
// every file the submit host and the nodes exchange (docs/cluster.md, "The work folder").
//
//   DIR/inoculab-task.sh         the batch script every array task runs
//   DIR/cache/                   base models and run checkpoints (the workers' cache)
//   DIR/jobs/LABEL.job.json      each run's worker job
//   DIR/results/LABEL.sqlite     each run's result file, present only once complete
//   DIR/events/LABEL.jsonl       each run's progress events, appended across attempts
//   DIR/logs/LABEL.log           each run's log (the worker's stderr), appended across attempts
//   DIR/status/LABEL.exit        how the last attempt ended: "CODE JOBID ATTEMPT"
//   DIR/submissions.jsonl        one line per sbatch: its job id and the runs of its tasks
//   DIR/submissions/N.tasks      the runs of submission N, one label per line, in task order
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace inoculab::experiment {

// A run's file name: "CONDITION-seedN" with every byte outside [A-Za-z0-9._-] written %XX, so
// that any condition name gives one plain file name and two names never share one.
std::string runFileLabel(const std::string &condition, std::uint64_t seed);
inline constexpr const char *kPretrainLabel = "pretrain";

struct SlurmWorkDir {
    std::string root;  // absolute

    explicit SlurmWorkDir(const std::string &dir);
    void createFolders() const;

    std::string cache() const;
    std::string batchScript() const;
    std::string jobFile(const std::string &label) const;
    std::string resultFile(const std::string &label) const;
    std::string eventsFile(const std::string &label) const;
    std::string logFile(const std::string &label) const;
    std::string exitFile(const std::string &label) const;
    std::string submissionsLog() const;
    std::string manifest(std::size_t submission) const;
};

// How an attempt ended, as the batch script recorded it (DIR/status/LABEL.exit).
struct ExitRecord {
    int code = 0;
    std::string jobId;  // "ARRAYJOB_TASK", or a plain job id for the pretraining job
    int attempt = 1;
};
// nullopt when the file is absent; throws common::InputError naming the file when it is not a
// record (it comes from a node: read bounded, never trusted).
std::optional<ExitRecord> readExitRecord(const std::string &path);
std::optional<ExitRecord> parseExitRecord(const std::string &text, const std::string &fileName);

struct Submission {
    std::string jobId;                // sbatch's answer: the array (or pretraining) job id
    bool pretrain = false;            // the base model's job, which the arrays depend on
    std::vector<std::string> labels;  // task i runs labels[i]
};
// One JSON object per line; a damaged line throws common::InputError naming the line.
std::vector<Submission> readSubmissions(const std::string &path);
std::vector<Submission> parseSubmissions(const std::string &text, const std::string &fileName);
void appendSubmission(const std::string &path, const Submission &submission);

// SLURM's id of task `index` of an array job, as squeue -r and scancel write it: "123_4".
std::string arrayTaskId(const std::string &arrayJobId, std::size_t index);

}  // namespace inoculab::experiment
