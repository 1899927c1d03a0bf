#pragma once
// `experiment run --backend slurm` and `experiment collect`: the experiment's runs as one
// SLURM array job, each task a worker writing its own result file in the work folder, and
// the user's store (the single writer) ingesting them (docs/cluster.md).
#include "common/progress.h"
#include "experiment/backends/slurm_client.h"
#include "experiment/worker_job.h"

#include <CLI/CLI.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace inoculab::cli {

struct SlurmRunRequest {
    std::string spec, specHash, store, toyWorld, progress;
    std::vector<std::pair<std::string, std::uint64_t>> runs;  // (condition, seed) to have done
    experiment::WorkerJob job;  // the fields every run's job shares (device, rejudge, checkpoints)
    std::string workDir;
    experiment::SlurmOptions options;
    bool noWait = false;
    bool needsToyBase = false;  // the spec's base model is the toy one, pretrained on the cluster
    std::string toyBaseKey;
};

int runOnSlurm(const SlurmRunRequest &request, const common::CancelToken &cancel);

// The sbatch options of `experiment run`, bound to `options`.
void addSlurmOptions(CLI::App &run, experiment::SlurmOptions &options, std::string &workDir, bool &noWait);

void addExperimentCollectCommand(CLI::App &experimentCommand, std::function<int()> &action);

}  // namespace inoculab::cli
