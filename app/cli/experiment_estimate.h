#pragma once
// `experiment run SPEC --estimate [--json]`: how long the runs not yet done would take on
// this machine, from rates an "estimate" worker job measures now (core/experiment/
// time_estimate.h), with the parallelism and threads `experiment run` itself would use.
// Trains nothing and writes nothing to the store.

#include "common/progress.h"
#include "experiment/worker_job.h"

#include <cstddef>
#include <string>

namespace inoculab::cli {

struct EstimateRequest {
    experiment::WorkerJob job;  // kind estimate; threads: what each of the parallel workers gets
    std::size_t runsToDo = 0, runsDone = 0;
    int parallel = 1;
    std::string device;  // "cpu", or the GPUs the runs would use ("GPU 0,1")
    std::string logFile;
    bool json = false;
};

int runEstimate(const EstimateRequest &request, const common::CancelToken &cancel);

}  // namespace inoculab::cli
