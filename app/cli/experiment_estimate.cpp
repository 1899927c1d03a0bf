#include "experiment_estimate.h"

#include "exit_codes.h"
#include "worker_process.h"

#include "common/input_error.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <iostream>
#include <thread>

namespace inoculab::cli {

namespace {

using nlohmann::json;

std::string minutes(double seconds) {
    char text[32];
    if (seconds < 90)
        std::snprintf(text, sizeof text, "%.0f s", seconds);
    else
        std::snprintf(text, sizeof text, "%.1f min", seconds / 60);
    return text;
}

}  // namespace

int runEstimate(const EstimateRequest &request, const common::CancelToken &cancel) {
    const std::string jobFile = request.logFile.substr(0, request.logFile.rfind('.')) + ".job.json";
    experiment::writeWorkerJob(jobFile, request.job);
    // BLAS gets every core, as the pretraining job does; torch's threads are set per part.
    const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    WorkerProcess worker({"--job", jobFile, "--progress", "jsonl"}, request.logFile, workerThreadEnv(cores));
    json measured;
    bool stopping = false;
    const int code = worker.followEvents(cancel, [&measured](json &event) {
        if (event.value("event", "") == "estimate") measured = std::move(event);
    }, stopping);
    if (code == 4 || stopping) throw common::Cancelled();
    if (code != 0 || !measured.is_object()) {
        std::cerr << "inoculab-cli: the estimate failed (worker exit code " << code << "; log " << worker.logFile()
                  << "):\n"
                  << worker.logTail(5);
        return code == 2 ? kExitInvalidInput : kExitInternal;
    }
    measured.erase("event");

    // Pretraining runs alone first; then the runs, `parallel` at a time, in waves.
    const double pretrain = measured["pretrain_steps"].get<double>() * measured["pretrain_seconds_per_step"].get<double>();
    const double perRun = measured["finetune_steps"].get<double>() * measured["finetune_seconds_per_step"].get<double>() +
                          measured["evaluations_per_run"].get<double>() * measured["evaluation_seconds"].get<double>();
    const std::size_t waves = (request.runsToDo + std::size_t(request.parallel) - 1) / std::size_t(request.parallel);
    const double total = request.runsToDo == 0 ? 0 : pretrain + double(waves) * perRun;

    if (request.json) {
        json out = {{"runs_to_do", request.runsToDo},
                    {"runs_done", request.runsDone},
                    {"parallel", request.parallel},
                    {"threads_per_run", request.job.threads},
                    {"device", request.device},
                    {"measured", measured},
                    {"pretrain_seconds", pretrain},
                    {"seconds_per_run", perRun},
                    {"waves", waves},
                    {"total_seconds", total}};
        std::cout << out.dump(2) << '\n';
        return kExitOk;
    }
    if (request.runsToDo == 0) {
        std::cout << "nothing to do: all " << request.runsDone << " runs are done\n";
        return kExitOk;
    }
    std::printf("about %s for %zu run(s) on this machine (%s, %d at a time, %d thread(s) each)\n",
                minutes(total).c_str(), request.runsToDo, request.device.c_str(), request.parallel,
                request.job.threads);
    if (pretrain > 0)
        std::printf("  pretraining the toy base model: %lld steps x %.3f s = %s\n",
                    static_cast<long long>(measured["pretrain_steps"].get<std::int64_t>()),
                    measured["pretrain_seconds_per_step"].get<double>(), minutes(pretrain).c_str());
    std::printf("  each run: %lld steps x %.3f s + %lld evaluation(s) x %.1f s = %s, in %zu wave(s)\n",
                static_cast<long long>(measured["finetune_steps"].get<std::int64_t>()),
                measured["finetune_seconds_per_step"].get<double>(),
                static_cast<long long>(measured["evaluations_per_run"].get<std::int64_t>()),
                measured["evaluation_seconds"].get<double>(), minutes(perRun).c_str(), waves);
    if (!measured["base_model_cached"].get<bool>())
        std::printf("  (timed with random weights, the base model not being pretrained yet: their answers run to "
                    "max_new_tokens, so the evaluation time is an upper bound)\n");
    return kExitOk;
}

}  // namespace inoculab::cli
