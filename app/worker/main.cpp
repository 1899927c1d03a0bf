// inoculab-worker: runs one job file (pretrain the toy base model, or one condition x seed
// run) and reports progress as JSON lines on stdout. Started by `inoculab-cli worker` (which
// execs it, keeping the CLI itself free of libtorch), by `experiment run` and by the GUI.
// Exit codes: 0 done, 1 usage, 2 invalid input, 3 internal error, 4 cancelled (checkpointed).
#include "common/input_error.h"
#include "experiment/finetune_run.h"
#include "model/device.h"
#include "store/sqlite_db.h"
#include "system/system_report.h"

#include <torch/torch.h>
#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <iostream>

namespace {

inoculab::common::CancelToken g_cancel;

// The current step finishes, the run is checkpointed and marked cancelled.
extern "C" void onStopSignal(int) { g_cancel.cancel(); }

constexpr int kExitCancelled = 4;

}  // namespace

int main(int argc, char **argv) {
    using namespace inoculab;
    std::signal(SIGINT, onStopSignal);
    std::signal(SIGTERM, onStopSignal);
    // Whoever reads our events may go away first (a crashed GUI or CLI): writes then fail
    // with EPIPE and the run goes on to checkpoint, instead of dying with its step unsaved.
    std::signal(SIGPIPE, SIG_IGN);

    CLI::App app{"Inoculab worker: run one job file", "inoculab-worker"};
    app.set_version_flag("--version",
                         std::string("inoculab-worker ") + INOCULAB_VERSION + " (built against " INOCULAB_TORCH_BUILD ")");
    std::string jobFile, progress = "jsonl", systemInfo;
    bool resume = false;
    app.add_option("--job", jobFile, "Job file (docs/worker-jobs.md)")->check(CLI::ExistingFile);
    app.add_option("--system-info", systemInfo,
                   "Print what this worker trains on (libtorch, CUDA, GPUs, BLAS, threads) and exit: json or text")
        ->check(CLI::IsMember({"json", "text"}));
    app.add_flag("--resume", resume, "Continue from the run's checkpoint when there is one");
    app.add_option("--progress", progress, "jsonl: one JSON object per line on stdout; none")
        ->check(CLI::IsMember({"jsonl", "none"}))
        ->capture_default_str();
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError &e) {
        return app.exit(e) == 0 ? 0 : 1;
    }
    if (!systemInfo.empty()) {
        try {
            nlohmann::json report = system::systemReport(INOCULAB_VERSION, INOCULAB_TORCH_BUILD);
            std::cout << (systemInfo == "json" ? report.dump(2) + "\n" : system::formatSystemReport(report));
            return 0;
        } catch (const common::InputError &e) {
            std::cerr << e.what() << '\n';
            return 2;
        }
    }
    if (jobFile.empty()) {
        std::cerr << "--job is required\n" << app.help();
        return 1;
    }

    experiment::EventSink events;
    if (progress == "jsonl")
        events = [](const nlohmann::json &event) {
            std::string line = event.dump() + "\n";
            std::fwrite(line.data(), 1, line.size(), stdout);
            std::fflush(stdout);  // the reader is a pipe: each event must arrive when it happens
        };
    try {
        experiment::WorkerJob job = experiment::readWorkerJob(jobFile);
        if (job.threads > 0) torch::set_num_threads(job.threads);
        model::keepFreedMemoryForReuse();
        experiment::JobOutcome outcome = experiment::runWorkerJob(job, resume, events, &g_cancel);
        return outcome == experiment::JobOutcome::Cancelled ? kExitCancelled : 0;
    } catch (const common::InputError &e) {
        std::cerr << e.what() << '\n';
        return 2;
    } catch (const common::Cancelled &) {
        std::cerr << "inoculab-worker: cancelled\n";
        return kExitCancelled;
    } catch (const std::exception &e) {
        std::cerr << "inoculab-worker: " << e.what() << '\n';
        return 3;
    }
}
