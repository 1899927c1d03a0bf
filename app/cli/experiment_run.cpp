#include "experiment_run.h"

#include "exit_codes.h"
#include "experiment_estimate.h"
#include "experiment_slurm.h"
#include "run_progress.h"
#include "worker_process.h"

#include "common/input_error.h"
#include "experiment/run_data.h"
#include "experiment/worker_job.h"
#include "store/results_store.h"
#include "system/gpu_list.h"

#include <CLI/CLI.hpp>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <iostream>
#include <memory>
#include <sstream>
#include <thread>

namespace inoculab::cli {

namespace {

namespace fs = std::filesystem;

struct RunArgs {
    std::string spec, store = store::ResultsStore::defaultPath(), cache, device = "auto", progress = "auto";
    std::string conditions, seeds, baseSeeds, toyWorld, gpus;
    int jobs = 0;
    int checkpointSeconds = 120;
    bool rejudge = false;
    std::string backend = "local", workDir;
    experiment::SlurmOptions slurm;
    bool noWait = false;
    bool estimate = false, json = false;
};

std::vector<std::string> splitList(const std::string &text) {
    std::vector<std::string> out;
    std::stringstream in(text);
    for (std::string item; std::getline(in, item, ',');)
        if (!item.empty()) out.push_back(item);
    return out;
}

// The GPUs workers may use, each given one (CUDA_VISIBLE_DEVICES): those of --gpus, else every
// GPU the driver reports when the worker's libtorch can use CUDA and the device is not cpu.
// Empty: training on the CPU. `note` says why, for the progress output.
std::vector<std::string> gpuSlots(const RunArgs &args, model::DeviceRequest device, std::string &note) {
    std::vector<std::string> slots = splitList(args.gpus);
    for (const std::string &s : slots)
        if (s.find_first_not_of("0123456789") != std::string::npos)
            throw UsageError{"--gpus: \"" + s + "\" is not a GPU index (see inoculab-cli system info)"};
    if (device == model::DeviceRequest::Cpu) {
        if (!slots.empty()) throw UsageError{"--gpus: not with --device cpu"};
        return {};
    }
    if (slots.empty()) {
        system::GpuList machine = system::listGpus();
        for (const system::GpuInfo &g : machine.gpus) slots.push_back(std::to_string(g.index));
        if (slots.empty()) return {};
    }
    // Only the worker links libtorch: ask it whether CUDA is usable before handing out GPUs.
    std::string command = "'" + workerExecutable() + "' --system-info json 2>/dev/null";
    std::string text;
    if (FILE *pipe = ::popen(command.c_str(), "r")) {
        char buffer[4096];
        for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) text.append(buffer, n);
        ::pclose(pipe);
    }
    nlohmann::json report = nlohmann::json::parse(text, nullptr, false);
    const bool usable = report.is_object() && report.value("/cuda/usable"_json_pointer, false);
    if (!usable) {
        note = "training on the CPU: " +
               (report.is_object() ? report.value("/cuda/why_not"_json_pointer, std::string("CUDA is not usable"))
                                   : std::string("the worker did not say what it runs on"));
        return {};
    }
    return slots;
}

std::vector<std::uint64_t> seedList(const std::string &text, const char *option) {
    std::vector<std::uint64_t> seeds;
    for (const std::string &s : splitList(text)) {
        try {
            std::size_t used = 0;
            unsigned long long value = std::stoull(s, &used);
            if (used != s.size() || s.front() == '-') throw std::invalid_argument(s);
            seeds.push_back(value);
        } catch (const std::exception &) {
            throw UsageError{std::string(option) + ": \"" + s + "\" is not a seed (a non-negative integer)"};
        }
    }
    return seeds;
}

// The base models to run: the spec's (experiment::runBaseSeeds), or those of --base-seeds,
// each one the spec names.
std::vector<std::optional<std::uint64_t>> chosenBaseSeeds(const experiment::ExperimentSpec &spec,
                                                          const std::string &option) {
    std::vector<std::optional<std::uint64_t>> bases = experiment::runBaseSeeds(spec);
    if (option.empty()) return bases;
    if (!bases.front())
        throw UsageError{"--base-seeds: the spec names one base model; list several in "
                         "base_model.pretraining.seeds (a toy base model) to run on more"};
    std::vector<std::optional<std::uint64_t>> chosen;
    for (std::uint64_t seed : seedList(option, "--base-seeds")) {
        if (std::find(bases.begin(), bases.end(), std::optional(seed)) == bases.end())
            throw UsageError{"--base-seeds: " + std::to_string(seed) +
                             " is not one of the spec's base models (base_model.pretraining.seeds)"};
        chosen.push_back(seed);
    }
    return chosen;
}

struct PlannedJob {
    std::string label;  // "pretrain" or "condition/seedN"
    experiment::WorkerJob job;
    std::int64_t steps = 0;
};

// Runs the jobs, at most `parallel` at once; returns the labels that failed, with why.
class Scheduler {
public:
    Scheduler(RunProgress &progress, const common::CancelToken &cancel, const std::string &logDir,
              std::vector<std::string> gpus)
        : m_progress(progress), m_cancel(cancel), m_logDir(logDir), m_gpus(std::move(gpus)) {}

    std::vector<std::string> run(std::deque<PlannedJob> queue, int parallel, int threadsPerJob) {
        std::vector<std::string> failures;
        while (!queue.empty() || !m_active.empty()) {
            if (m_cancel.isCancelled() && !m_stopping) {
                m_stopping = true;
                queue.clear();
                for (Active &a : m_active) a.process->terminate();
            }
            while (!m_stopping && !queue.empty() && static_cast<int>(m_active.size()) < parallel) {
                start(std::move(queue.front()), threadsPerJob);
                queue.pop_front();
            }
            pump(failures);
        }
        return failures;
    }

    bool stopped() const { return m_stopping; }

private:
    struct Active {
        PlannedJob planned;
        std::unique_ptr<WorkerProcess> process;
        std::string gpu;  // its CUDA_VISIBLE_DEVICES; empty on the CPU
    };

    // The GPU with the fewest workers on it (one each while --jobs is at most the GPU count).
    std::string leastBusyGpu() const {
        std::string best;
        std::size_t fewest = SIZE_MAX;
        for (const std::string &gpu : m_gpus) {
            std::size_t n = std::count_if(m_active.begin(), m_active.end(), [&](const Active &a) { return a.gpu == gpu; });
            if (n < fewest) {
                fewest = n;
                best = gpu;
            }
        }
        return best;
    }

    void start(PlannedJob planned, int threads) {
        std::string safe = planned.label;
        std::replace(safe.begin(), safe.end(), '/', '-');
        std::string jobFile = (fs::path(m_logDir) / (safe + ".job.json")).string();
        planned.job.threads = threads;
        experiment::writeWorkerJob(jobFile, planned.job);
        std::vector<std::string> env = workerThreadEnv(threads);
        const std::string gpu = leastBusyGpu();
        if (!gpu.empty()) {
            env.push_back("CUDA_VISIBLE_DEVICES=" + gpu);  // the worker sees it as cuda:0
            // GPU indices are NVML's (system info), which are in PCI bus order; CUDA's own order
            // puts the fastest first, so without this a mixed machine would swap them.
            env.push_back("CUDA_DEVICE_ORDER=PCI_BUS_ID");
        }
        auto process = std::make_unique<WorkerProcess>(
            std::vector<std::string>{"--job", jobFile, "--resume", "--progress", "jsonl"},
            (fs::path(m_logDir) / (safe + ".log")).string(), env);
        m_active.push_back({std::move(planned), std::move(process), gpu});
    }

    void pump(std::vector<std::string> &failures) {
        std::vector<pollfd> fds;
        for (Active &a : m_active) fds.push_back({a.process->stdoutFd(), POLLIN, 0});
        ::poll(fds.data(), fds.size(), 100);
        for (auto it = m_active.begin(); it != m_active.end();) {
            for (const std::string &line : it->process->readLines()) {
                nlohmann::json event = nlohmann::json::parse(line, nullptr, false);
                if (!event.is_discarded() && event.is_object()) m_progress.onEvent(it->planned.label, event);
            }
            if (!it->process->finishedOutput()) {
                ++it;
                continue;
            }
            int code = it->process->wait();
            const std::string &label = it->planned.label;
            if (code == 0) {
                m_progress.note("finished " + label + " (" + m_progress.eta() + ")");
            } else if (code == 4) {
                m_progress.note("cancelled " + label + " (checkpointed; run again to resume)");
            } else {
                std::string why = label + ": the worker exited with code " + std::to_string(code) + "; log " +
                                  it->process->logFile() + ":\n" + it->process->logTail(5);
                m_progress.note("failed " + why);
                failures.push_back(why);
            }
            it = m_active.erase(it);
        }
    }

    RunProgress &m_progress;
    const common::CancelToken &m_cancel;
    std::string m_logDir;
    std::vector<Active> m_active;
    std::vector<std::string> m_gpus;
    bool m_stopping = false;
};

// --estimate: what `run` would do next, timed instead of done. The store is only read.
int estimateRuns(const RunArgs &args, const experiment::RunInputs &in, const std::vector<std::string> &conditions,
                 const std::vector<std::uint64_t> &seeds, const std::vector<std::optional<std::uint64_t>> &bases,
                 const std::vector<std::string> &gpus, const std::string &cache,
                 const std::string &logDir, int requested, int threadsPerJob, const common::CancelToken &cancel) {
    std::vector<store::RunRecord> existing;
    if (fs::exists(args.store)) {
        store::ResultsStore results = store::ResultsStore::open(args.store, store::ResultsStore::Access::ReadOnly);
        if (auto e = results.findExperiment(experiment::canonicalHash(in.spec))) existing = results.runs(e->id);
    }
    EstimateRequest request;
    for (const std::string &condition : conditions)
        for (const std::optional<std::uint64_t> &baseSeed : bases)
            for (std::uint64_t seed : seeds) {
                const bool done = std::any_of(existing.begin(), existing.end(), [&](const store::RunRecord &r) {
                    return r.condition == condition && r.seed == seed && r.baseSeed == baseSeed &&
                           r.status == store::RunStatus::Done;
                });
                ++(done ? request.runsDone : request.runsToDo);
            }
    request.parallel = std::max(1, std::min<int>(requested, static_cast<int>(std::max<std::size_t>(1, request.runsToDo))));
    request.job.kind = experiment::JobKind::Estimate;
    request.job.spec = fs::absolute(args.spec).string();
    request.job.specHash = experiment::canonicalHash(in.spec);
    request.job.cache = fs::absolute(cache).string();
    request.job.device = gpus.empty() ? model::DeviceRequest::Cpu : model::DeviceRequest::Cuda;
    request.job.toyWorldDir = args.toyWorld;
    request.job.threads = threadsPerJob;
    std::string list;
    for (const std::string &g : gpus) list += (list.empty() ? "" : ",") + g;
    request.device = gpus.empty() ? "cpu" : "GPU " + list;
    request.logFile = logDir + "/estimate.log";
    request.json = args.json;
    return runEstimate(request, cancel);
}

int runExperiment(const RunArgs &args, const common::CancelToken &cancel) {
    experiment::RunInputs in = experiment::RunInputs::load(args.spec, args.toyWorld);
    const experiment::ExperimentSpec &spec = in.spec;
    const std::string hash = experiment::canonicalHash(spec);
    if (!model::parseDeviceRequest(args.device)) throw UsageError{"--device: expected auto, cpu or cuda"};

    std::vector<std::string> conditions;
    for (const experiment::ConditionSpec &c : spec.conditions) conditions.push_back(c.name);
    if (!args.conditions.empty()) {
        conditions = splitList(args.conditions);
        for (const std::string &c : conditions) {
            bool known = std::any_of(spec.conditions.begin(), spec.conditions.end(),
                                     [&](const experiment::ConditionSpec &s) { return s.name == c; });
            if (!known) throw UsageError{"--conditions: the experiment has no condition \"" + c + "\""};
        }
    }
    std::vector<std::uint64_t> seeds = spec.seeds;
    if (!args.seeds.empty()) seeds = seedList(args.seeds, "--seeds");
    const std::vector<std::optional<std::uint64_t>> bases = chosenBaseSeeds(spec, args.baseSeeds);

    if (args.estimate && args.backend == "slurm")
        throw UsageError{"--estimate: only for the local backend (on a cluster the queue decides when runs start)"};
    if (args.json && !args.estimate) throw UsageError{"--json: only with --estimate"};
    if (args.backend == "slurm") {
        // The cluster backend keys its tasks, result files and pretraining job by condition and
        // seed alone (docs/cluster.md); it does not run several base models yet.
        if (bases.front())
            throw UsageError{"--backend slurm: the spec names several base models (base_model.pretraining.seeds), "
                             "which only the local backend runs so far; on the cluster, run one spec per base model "
                             "(pretraining.seed)"};
        if (args.workDir.empty()) throw UsageError{"--backend slurm needs --work-dir (a folder on the cluster's shared filesystem)"};
        if (!args.gpus.empty() || args.jobs > 0 || !args.cache.empty())
            throw UsageError{"--gpus, --jobs and --cache are the local backend's; SLURM places the tasks "
                             "(--gres, --cpus-per-task) and the work folder holds the cache"};
        SlurmRunRequest request;
        request.spec = fs::absolute(args.spec).string();
        request.specHash = hash;
        request.store = args.store;
        request.toyWorld = args.toyWorld;
        request.progress = args.progress;
        for (const std::string &condition : conditions)
            for (std::uint64_t seed : seeds) request.runs.emplace_back(condition, seed);
        request.job.spec = request.spec;
        request.job.specHash = hash;
        request.job.device = *model::parseDeviceRequest(args.device);
        request.job.toyWorldDir = args.toyWorld;
        request.job.checkpointSeconds = args.checkpointSeconds;
        request.job.rejudge = args.rejudge;
        request.workDir = args.workDir;
        request.options = args.slurm;
        request.noWait = args.noWait;
        request.needsToyBase = spec.baseModel.kind == experiment::BaseModelKind::Toy;
        if (request.needsToyBase) request.toyBaseKey = experiment::baseModelKey(in);
        return runOnSlurm(request, cancel);
    }
    if (!args.workDir.empty() || args.noWait) throw UsageError{"--work-dir and --no-wait need --backend slurm"};
    std::string gpuNote;
    const std::vector<std::string> gpus = gpuSlots(args, *model::parseDeviceRequest(args.device), gpuNote);

    const std::string cache = args.cache.empty() ? experiment::defaultCacheDir() : args.cache;
    const std::string logDir = (fs::path(cache) / "jobs" / hash.substr(0, 16)).string();
    fs::create_directories(logDir);
    const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    // One worker per GPU by default when training on GPUs, one per core on the CPU.
    const int requested = args.jobs > 0 ? args.jobs : gpus.empty() ? cores : static_cast<int>(gpus.size());
    // From --jobs, not from how many runs are left: the thread count sets the summation order
    // (docs/reliability.md), so a run resumed or rerun alone must get the threads it had in the
    // sweep to reproduce its numbers exactly.
    const int threadsPerJob = std::max(1, cores / requested);
    if (args.estimate)
        return estimateRuns(args, in, conditions, seeds, bases, gpus, cache, logDir, requested, threadsPerJob, cancel);

    store::ResultsStore results = store::ResultsStore::open(args.store);
    std::int64_t experimentId = results.registerExperiment(experiment::registrationFor(spec));
    std::vector<store::RunRecord> existing = results.runs(experimentId);

    experiment::WorkerJob base;
    base.spec = fs::absolute(args.spec).string();
    base.specHash = hash;
    base.store = fs::absolute(args.store).string();
    base.cache = fs::absolute(cache).string();
    base.device = *model::parseDeviceRequest(args.device);
    base.toyWorldDir = args.toyWorld;
    base.checkpointSeconds = args.checkpointSeconds;
    base.rejudge = args.rejudge;

    std::deque<PlannedJob> finetunes;
    std::size_t skipped = 0;
    std::vector<std::optional<std::uint64_t>> basesUsed;  // those with a run to do
    for (const std::string &condition : conditions) {
        for (const std::optional<std::uint64_t> &baseSeed : bases) {
            for (std::uint64_t seed : seeds) {
                bool done = std::any_of(existing.begin(), existing.end(), [&](const store::RunRecord &r) {
                    return r.condition == condition && r.seed == seed && r.baseSeed == baseSeed &&
                           r.status == store::RunStatus::Done;
                });
                if (done) {
                    ++skipped;
                    continue;
                }
                results.createRun(experimentId, condition, seed, baseSeed);  // queued, so the GUI sees it
                experiment::WorkerJob job = base;
                job.kind = experiment::JobKind::Finetune;
                job.condition = condition;
                job.seed = seed;
                job.baseSeed = baseSeed;
                const std::string label =
                    condition + (baseSeed ? "/base" + std::to_string(*baseSeed) : "") + "/seed" + std::to_string(seed);
                finetunes.push_back({label, job, plannedFinetuneSteps(spec)});
                if (std::find(basesUsed.begin(), basesUsed.end(), baseSeed) == basesUsed.end())
                    basesUsed.push_back(baseSeed);
            }
        }
    }

    // The toy base models not in the cache yet, pretrained one after the other before any run.
    std::deque<PlannedJob> pretrains;
    if (spec.baseModel.kind == experiment::BaseModelKind::Toy)
        for (const std::optional<std::uint64_t> &baseSeed : basesUsed) {
            const std::string key = experiment::baseModelKey(experiment::withBaseSeed(in, baseSeed));
            if (fs::exists(experiment::baseModelWeightsPath(base.cache, key))) continue;
            experiment::WorkerJob pretrain = base;
            pretrain.kind = experiment::JobKind::Pretrain;
            pretrain.baseSeed = baseSeed;
            pretrains.push_back({baseSeed ? "pretrain/base" + std::to_string(*baseSeed) : "pretrain", pretrain,
                                 spec.baseModel.toy.pretraining.steps});
        }
    const bool needBase = !pretrains.empty();

    const int parallel =
        std::max(1, std::min<int>(requested, static_cast<int>(std::max<std::size_t>(1, finetunes.size()))));

    ProgressMode mode = progressModeNamed(args.progress);
    RunProgress progress(mode, finetunes.size());
    for (const PlannedJob &p : pretrains)
        progress.expect(p.label, p.steps, static_cast<double>(spec.baseModel.toy.pretraining.batchSize));
    for (const PlannedJob &j : finetunes)
        progress.expect(j.label, j.steps, static_cast<double>(spec.training.batchSize) / parallel);
    if (mode == ProgressMode::Bar || mode == ProgressMode::Lines)
        std::cerr << "experiment \"" << spec.name << "\" (spec " << hash.substr(0, 12) << "): " << finetunes.size()
                  << " runs to do, " << skipped << " already done; " << parallel << " at a time, store "
                  << args.store << "\n";
    if (!gpus.empty()) {
        std::string list;
        for (const std::string &g : gpus) list += (list.empty() ? "" : ",") + g;
        progress.note("training on GPU " + list + ", one worker per GPU");
    } else if (!gpuNote.empty()) {
        progress.note(gpuNote);
    }
    Scheduler scheduler(progress, cancel, logDir, gpus);
    std::vector<std::string> failures;
    if (needBase) {
        progress.note(pretrains.size() == 1 ? "pretraining the toy base model (cached for later runs)"
                                            : "pretraining " + std::to_string(pretrains.size()) +
                                                  " toy base models, one after the other (cached for later runs)");
        // One at a time with every core: pretraining is one long job per base model.
        failures = scheduler.run(pretrains, 1, cores);
    }
    if (failures.empty() && !scheduler.stopped()) {
        std::vector<std::string> more = scheduler.run(finetunes, parallel, threadsPerJob);
        failures.insert(failures.end(), more.begin(), more.end());
    }
    progress.finish();
    if (scheduler.stopped()) throw common::Cancelled();
    if (!failures.empty()) {
        std::cerr << "inoculab-cli: " << failures.size() << " job(s) failed:\n";
        for (const std::string &f : failures) std::cerr << f;
        return kExitInternal;
    }
    return kExitOk;
}

}  // namespace

void addExperimentRunCommand(CLI::App &experimentCommand, CommandAction &action, const common::CancelToken &cancel) {
    auto args = std::make_shared<RunArgs>();
    CLI::App *run = experimentCommand.add_subcommand(
        "run", "Pretrain the base model if needed, then finetune and evaluate every condition x seed not yet done");
    run->add_option("SPEC", args->spec, "Experiment spec (JSON)")->required();
    run->add_option("--store", args->store, "Results store (SQLite)")->capture_default_str();
    run->add_option("--conditions", args->conditions, "Only these conditions (comma-separated names)");
    run->add_option("--seeds", args->seeds, "Only these seeds (comma-separated)");
    run->add_option("--base-seeds", args->baseSeeds,
                    "Only these base models (comma-separated pretraining seeds, of base_model.pretraining.seeds)");
    run->add_option("--device", args->device, "auto, cpu or cuda")
        ->check(CLI::IsMember({"auto", "cpu", "cuda"}))
        ->capture_default_str();
    run->add_option("--cache", args->cache, "Base models, checkpoints and job logs (default: ~/.cache/inoculab)");
    run->add_option("--progress", args->progress, "auto (a bar on a terminal), bar, jsonl or none")
        ->check(CLI::IsMember({"auto", "bar", "jsonl", "none"}))
        ->capture_default_str();
    run->add_option("--jobs", args->jobs, "Workers at once (default: one per GPU when training on GPUs, else one per core)");
    run->add_option("--gpus", args->gpus, "Only these GPUs (comma-separated indices, as `system info` lists them)");
    run->add_option("--checkpoint-seconds", args->checkpointSeconds,
                    "Checkpoint each run at the first step this long after the last (0: every step), so a "
                    "killed worker loses at most that much training")
        ->check(CLI::Range(0, 86400))
        ->capture_default_str();
    run->add_flag("--rejudge", args->rejudge,
                  "Ask the judges again for the runs this starts, even where the store has their verdict");
    run->add_option("--data-dir", args->toyWorld, "The toy world's folder (default: the built-in one)");
    run->add_option("--backend", args->backend,
                    "local: workers on this computer; slurm: one SLURM array job (docs/cluster.md)")
        ->check(CLI::IsMember({"local", "slurm"}))
        ->capture_default_str();
    run->add_flag("--estimate", args->estimate,
                  "Train nothing: measure here how long the runs not yet done would take (a few timed steps "
                  "and one evaluation over a few questions) and print the estimate");
    run->add_flag("--json", args->json, "With --estimate: one JSON object on stdout");
    addSlurmOptions(*run, args->slurm, args->workDir, args->noWait);
    run->callback([&action, &cancel, args] { action = [args, &cancel] { return runExperiment(*args, cancel); }; });
}

void addWorkerCommand(CLI::App &app, CommandAction &action, int argc, char **argv) {
    CLI::App *worker = app.add_subcommand("worker", "Run one job file (docs/worker-jobs.md) in inoculab-worker");
    worker->allow_extras();
    // Parsed here only for --help and the required check; the argv goes to inoculab-worker as is.
    struct WorkerArgs { std::string job, progress; bool resume = false; };
    auto parsed = std::make_shared<WorkerArgs>();
    worker->add_option("--job", parsed->job, "Job file")->required();
    worker->add_flag("--resume", parsed->resume, "Continue from the run's checkpoint");
    worker->add_option("--progress", parsed->progress, "jsonl (default) or none");
    worker->callback([&action, argc, argv, parsed] {  // `parsed` lives as long as the options bound to it
        action = [argc, argv] {
            std::string exe = workerExecutable();
            std::vector<char *> args{exe.data()};
            for (int i = 2; i < argc; ++i) args.push_back(argv[i]);  // everything after `worker`
            args.push_back(nullptr);
            ::execv(exe.c_str(), args.data());
            std::cerr << "inoculab-cli: cannot start " << exe << ": " << std::strerror(errno) << '\n';
            return static_cast<int>(kExitInternal);
        };
    });
}

}  // namespace inoculab::cli
