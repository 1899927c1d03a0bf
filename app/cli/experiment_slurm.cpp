#include "experiment_slurm.h"

#include "dataset_commands.h"
#include "exit_codes.h"
#include "run_progress.h"

#include "common/atomic_file.h"
#include "common/input_error.h"
#include "experiment/run_data.h"
#include "store/results_store.h"
#include "store/run_file_ingest.h"

#include <unistd.h>

#include <chrono>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

namespace inoculab::cli {

namespace {

namespace fs = std::filesystem;
using experiment::ClusterRunState;
using experiment::ClusterRunStatus;
using experiment::SlurmWorkDir;

// How often a waiting command asks SLURM and reads the work folder. squeue is cheap, but a
// busy controller is shared by every user of the cluster.
constexpr std::chrono::seconds kPollInterval{3};

// One run as the submit host tracks it.
struct TrackedRun {
    std::string condition;
    std::uint64_t seed = 0;
    std::string label;     // its files' name in the work folder
    std::string progress;  // its progress label, as the local backend shows it: "baseline/seed0"
    std::string taskId;    // its latest SLURM task, once submitted
    ClusterRunStatus status;
    std::int64_t runId = 0;  // in the user's store
    std::streamoff eventsRead = 0;
    bool reportedRunning = false;
};

std::string fileTail(const std::string &path, std::size_t lines) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return "(no log at " + path + ")\n";
    std::deque<std::string> last;
    for (std::string line; std::getline(in, line);) {
        last.push_back(line);
        if (last.size() > lines) last.pop_front();
    }
    std::string out;
    for (const std::string &l : last) out += "  " + l + "\n";
    return out;
}

// Reads the events a run appended since the last call; a line still being written is left
// for the next call.
std::vector<nlohmann::json> newEvents(const std::string &path, std::streamoff &offset) {
    std::vector<nlohmann::json> out;
    std::ifstream in(path, std::ios::binary);
    if (!in) return out;
    in.seekg(offset);
    std::string line;
    while (std::getline(in, line)) {
        if (in.eof()) break;  // no newline yet: incomplete
        offset += static_cast<std::streamoff>(line.size()) + 1;
        nlohmann::json event = nlohmann::json::parse(line, nullptr, false);
        if (event.is_object()) out.push_back(std::move(event));
    }
    return out;
}

// Why a run stopped on the cluster, for the user and the store: its state, SLURM's detail, the
// task and the log's last lines.
std::string stoppedWhy(const std::string &progressLabel, const ClusterRunStatus &status, const SlurmWorkDir &dir,
                       const std::string &label) {
    return progressLabel + ": " + std::string(experiment::clusterRunStateName(status.state)) +
           (status.detail.empty() ? "" : " (" + status.detail + ")") + ", task " + status.jobId + "; log " +
           dir.logFile(label) + ":\n" + fileTail(dir.logFile(label), 5);
}

bool stoppedResumably(ClusterRunState state) {
    return state == ClusterRunState::Cancelled || state == ClusterRunState::Timeout;
}

// What the store records of a run the cluster ended without a result, the same whether the
// waiting `run` or `collect` saw it: cancelled and timeout as cancelled (it checkpointed and
// resumes), the rest as failed with why. Callers leave a run the store has done alone.
void recordClusterStop(store::ResultsStore &results, std::int64_t runId, const ClusterRunStatus &status,
                       const std::string &why) {
    const bool resumable = stoppedResumably(status.state);
    results.markRunFinished(runId, resumable ? store::RunStatus::Cancelled : store::RunStatus::Failed,
                            resumable ? std::optional<std::string>(std::string(experiment::clusterRunStateName(status.state)))
                                      : std::optional<std::string>(why));
}

// The latest task of each run label, from the work folder's submission record.
std::map<std::string, std::string> latestTasks(const std::vector<experiment::Submission> &submissions) {
    std::map<std::string, std::string> tasks;
    for (const experiment::Submission &s : submissions) {
        if (s.pretrain) {
            tasks[experiment::kPretrainLabel] = s.jobId;
            continue;
        }
        for (std::size_t i = 0; i < s.labels.size(); ++i) tasks[s.labels[i]] = experiment::arrayTaskId(s.jobId, i);
    }
    return tasks;
}

std::string jobOf(const std::string &taskId) { return taskId.substr(0, taskId.find('_')); }

// The states of the runs (and of the pretraining job, under its label) from the files and
// SLURM, in the order of evidence decideRunStatus documents.
class ClusterView {
public:
    ClusterView(const SlurmWorkDir &dir, experiment::SlurmClient &client) : m_dir(dir), m_client(client) {}

    void refresh(const std::vector<std::string> &taskIds) {
        std::set<std::string> jobs;
        for (const std::string &t : taskIds)
            if (!t.empty()) jobs.insert(jobOf(t));
        m_queue = m_client.queue(jobs);
        std::set<std::string> unknown;
        for (const std::string &t : taskIds)
            if (!t.empty() && !m_queue.count(t)) unknown.insert(jobOf(t));
        m_accounting = m_client.accounting(unknown);
    }

    ClusterRunStatus status(const std::string &label, const std::string &taskId, bool published) const {
        std::optional<experiment::ExitRecord> exit;
        try {
            exit = experiment::readExitRecord(m_dir.exitFile(label));
            if (exit && exit->jobId != taskId) exit.reset();  // from an earlier submission
        } catch (const common::InputError &e) {
            std::cerr << "inoculab-cli: " << e.what() << " (ignored)\n";
        }
        auto find = [&](const std::map<std::string, experiment::QueueEntry> &m) -> std::optional<experiment::QueueEntry> {
            auto it = m.find(taskId);
            if (it == m.end()) return std::nullopt;
            return it->second;
        };
        return experiment::decideRunStatus(published, taskId, exit, find(m_queue), find(m_accounting));
    }

private:
    const SlurmWorkDir &m_dir;
    experiment::SlurmClient &m_client;
    std::map<std::string, experiment::QueueEntry> m_queue, m_accounting;
};

std::string cliPath() {
    std::error_code ec;
    fs::path self = fs::read_symlink("/proc/self/exe", ec);
    return ec ? std::string("inoculab-cli") : self.string();
}

void writeExecutable(const std::string &path, const std::string &text) {
    common::AtomicFileWriter out(path);
    out.write(text);
    out.commit();
    fs::permissions(path, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                              fs::perms::others_read | fs::perms::others_exec);
}

// Submits `labels` as array jobs of at most MaxArraySize tasks; returns each label's task.
std::map<std::string, std::string> submitArrays(const SlurmWorkDir &dir, experiment::SlurmClient &client,
                                                const std::vector<std::string> &labels,
                                                const experiment::SlurmOptions &options, const std::string &jobName,
                                                const std::string &afterJob) {
    std::map<std::string, std::string> tasks;
    std::size_t submission = experiment::readSubmissions(dir.submissionsLog()).size();
    const std::size_t chunk = std::max<std::size_t>(1, client.maxArraySize());
    for (std::size_t first = 0; first < labels.size(); first += chunk) {
        std::vector<std::string> part(labels.begin() + first,
                                      labels.begin() + std::min(labels.size(), first + chunk));
        std::string manifest = dir.manifest(submission++);
        std::string text;
        for (const std::string &l : part) text += l + "\n";
        common::AtomicFileWriter out(manifest);
        out.write(text);
        out.commit();
        std::string id = client.submit(dir, manifest, part.size(), options, jobName, false, afterJob);
        experiment::appendSubmission(dir.submissionsLog(), {id, false, part});
        for (std::size_t i = 0; i < part.size(); ++i) tasks[part[i]] = experiment::arrayTaskId(id, i);
    }
    return tasks;
}

}  // namespace

int runOnSlurm(const SlurmRunRequest &request, const common::CancelToken &cancel) {
    try {
        experiment::checkSlurmOptions(request.options);
    } catch (const std::invalid_argument &e) {
        throw UsageError{e.what()};
    }
    const SlurmWorkDir dir(request.workDir);
    dir.createFolders();
    experiment::SlurmClient client;
    client.readConfig();

    store::ResultsStore results = store::ResultsStore::open(request.store);
    experiment::RunInputs in = experiment::RunInputs::load(request.spec, request.toyWorld);
    const std::int64_t experimentId = results.registerExperiment(experiment::registrationFor(in.spec));

    std::vector<TrackedRun> runs;
    std::size_t alreadyDone = 0, collected = 0;
    for (const auto &[condition, seed] : request.runs) {
        TrackedRun r;
        r.condition = condition;
        r.seed = seed;
        r.label = experiment::runFileLabel(condition, seed);
        r.progress = condition + "/seed" + std::to_string(seed);
        r.runId = results.createRun(experimentId, condition, seed);
        runs.push_back(std::move(r));
    }
    // What the store has done stays; what the cluster finished meanwhile is collected first.
    auto isDoneInStore = [&](const TrackedRun &r) {
        for (const store::RunRecord &rec : results.runs(experimentId))
            if (rec.id == r.runId) return rec.status == store::RunStatus::Done;
        return false;
    };
    std::vector<TrackedRun> todo;
    for (TrackedRun &r : runs) {
        if (isDoneInStore(r)) {
            ++alreadyDone;
            continue;
        }
        if (fs::exists(dir.resultFile(r.label))) {
            store::RunFileIngest got = store::ingestRunFile(results, dir.resultFile(r.label));
            if (got.outcome != store::RunFileIngest::Outcome::Incomplete) {
                ++collected;
                continue;
            }
            std::cerr << "inoculab-cli: " << got.reason << " (skipped until complete)\n";
        }
        todo.push_back(std::move(r));
    }

    // Runs a task of an earlier submission is still working on are waited for, not resubmitted.
    std::map<std::string, std::string> tasks = latestTasks(experiment::readSubmissions(dir.submissionsLog()));
    ClusterView view(dir, client);
    {
        std::vector<std::string> ids;
        for (const TrackedRun &r : todo) ids.push_back(tasks.count(r.label) ? tasks[r.label] : "");
        if (tasks.count(experiment::kPretrainLabel)) ids.push_back(tasks[experiment::kPretrainLabel]);
        view.refresh(ids);
    }
    std::vector<std::string> toSubmit;
    std::size_t stillQueued = 0;
    for (TrackedRun &r : todo) {
        r.taskId = tasks.count(r.label) ? tasks[r.label] : "";
        r.status = view.status(r.label, r.taskId, false);
        if (!r.taskId.empty() && !experiment::isFinal(r.status.state) &&
            r.status.state != ClusterRunState::NotSubmitted) {
            ++stillQueued;
            continue;
        }
        toSubmit.push_back(r.label);
    }

    std::string pretrainJob;
    if (request.needsToyBase && !todo.empty() &&
        !fs::exists(experiment::baseModelWeightsPath(dir.cache(), request.toyBaseKey))) {
        ClusterRunStatus base;
        if (tasks.count(experiment::kPretrainLabel))
            base = view.status(experiment::kPretrainLabel, tasks[experiment::kPretrainLabel], false);
        if (!base.jobId.empty() && !experiment::isFinal(base.state)) {
            pretrainJob = base.jobId;  // still pretraining: the new arrays wait for it too
        } else if (!toSubmit.empty()) {
            experiment::WorkerJob pretrain = request.job;
            pretrain.kind = experiment::JobKind::Pretrain;
            pretrain.cache = dir.cache();
            pretrain.threads = request.options.cpusPerTask;
            experiment::writeWorkerJob(dir.jobFile(experiment::kPretrainLabel), pretrain);
            writeExecutable(dir.batchScript(), experiment::slurmBatchScript(dir, cliPath(), request.options));
            std::size_t submission = experiment::readSubmissions(dir.submissionsLog()).size();
            std::string manifest = dir.manifest(submission);
            common::AtomicFileWriter out(manifest);
            out.write(std::string(experiment::kPretrainLabel) + "\n");
            out.commit();
            pretrainJob = client.submit(dir, manifest, 1, request.options, "inoculab-pretrain", true, "");
            experiment::appendSubmission(dir.submissionsLog(), {pretrainJob, true, {experiment::kPretrainLabel}});
            tasks[experiment::kPretrainLabel] = pretrainJob;
        }
    }

    if (!toSubmit.empty()) {
        for (TrackedRun &r : todo) {
            if (std::find(toSubmit.begin(), toSubmit.end(), r.label) == toSubmit.end()) continue;
            experiment::WorkerJob job = request.job;
            job.kind = experiment::JobKind::Finetune;
            job.condition = r.condition;
            job.seed = r.seed;
            job.cache = dir.cache();
            job.store.clear();
            job.resultFile = dir.resultFile(r.label);
            // The thread count sets the summation order (docs/reliability.md): every attempt of
            // a run gets the same, so a requeued run reproduces what one attempt would give.
            job.threads = request.options.cpusPerTask;
            experiment::writeWorkerJob(dir.jobFile(r.label), job);
        }
        writeExecutable(dir.batchScript(), experiment::slurmBatchScript(dir, cliPath(), request.options));
        std::map<std::string, std::string> submitted =
            submitArrays(dir, client, toSubmit, request.options, "inoculab-" + in.spec.name, pretrainJob);
        for (TrackedRun &r : todo)
            if (submitted.count(r.label)) {
                r.taskId = submitted[r.label];
                r.status = {ClusterRunState::Pending, r.taskId, ""};
                results.markRunFinished(r.runId, store::RunStatus::Queued);
            }
    }

    std::cerr << "experiment \"" << in.spec.name << "\" on SLURM (work folder " << dir.root << "): " << toSubmit.size()
              << " runs submitted, " << stillQueued << " still queued from before, " << collected
              << " collected from the work folder, " << alreadyDone << " already done; store " << request.store
              << "\n";
    if (!pretrainJob.empty()) std::cerr << "  pretraining the toy base model: job " << pretrainJob << "\n";
    std::set<std::string> arrays;
    for (const TrackedRun &r : todo)
        if (!r.taskId.empty()) arrays.insert(jobOf(r.taskId));
    for (const std::string &a : arrays) std::cerr << "  array job " << a << "\n";
    if (request.noWait || todo.empty()) {
        if (!todo.empty())
            std::cerr << "not waiting: `inoculab-cli experiment collect " << request.spec << " --work-dir " << dir.root
                      << " --store " << request.store << "` ingests what has finished\n";
        return kExitOk;
    }

    ProgressMode mode = progressModeNamed(request.progress);
    RunProgress progress(mode, todo.size());
    for (const TrackedRun &r : todo)
        progress.expect(r.progress, plannedFinetuneSteps(in.spec), 1.0);
    std::vector<std::string> failures;
    std::set<std::string> open;
    for (const TrackedRun &r : todo) open.insert(r.label);
    while (!open.empty()) {
        if (cancel.isCancelled()) {
            progress.finish();
            std::cerr << "inoculab-cli: stopped waiting; the jobs go on on the cluster. Run the same command, or "
                         "`experiment collect`, to collect them (`scancel` stops them).\n";
            throw common::Cancelled();
        }
        std::vector<std::string> ids;
        for (const TrackedRun &r : todo) ids.push_back(r.taskId);
        if (!pretrainJob.empty()) ids.push_back(pretrainJob);
        view.refresh(ids);
        if (!pretrainJob.empty()) {
            // The pretraining job's result is the base model in the shared cache.
            const bool pretrained = fs::exists(experiment::baseModelWeightsPath(dir.cache(), request.toyBaseKey));
            ClusterRunStatus base = view.status(experiment::kPretrainLabel, pretrainJob, pretrained);
            if (base.state == ClusterRunState::Failed || base.state == ClusterRunState::Cancelled ||
                base.state == ClusterRunState::Timeout || base.state == ClusterRunState::Lost) {
                std::string why = "pretraining (job " + pretrainJob + ") " +
                                  std::string(experiment::clusterRunStateName(base.state)) +
                                  (base.detail.empty() ? "" : " (" + base.detail + ")") + "; log " +
                                  dir.logFile(experiment::kPretrainLabel) + ":\n" +
                                  fileTail(dir.logFile(experiment::kPretrainLabel), 5);
                progress.note("failed " + why);
                failures.push_back(why);
                pretrainJob.clear();  // its dependants are cancelled by SLURM (--kill-on-invalid-dep)
            } else if (base.state == ClusterRunState::Done) {
                pretrainJob.clear();
            }
        }
        for (TrackedRun &r : todo) {
            if (!open.count(r.label)) continue;
            for (const nlohmann::json &event : newEvents(dir.eventsFile(r.label), r.eventsRead))
                progress.onEvent(r.progress, event);
            const bool published = fs::exists(dir.resultFile(r.label));
            r.status = view.status(r.label, r.taskId, published);
            if (r.status.state == ClusterRunState::Running && !r.reportedRunning) {
                results.markRunStarted(r.runId, "slurm " + r.status.detail);
                r.reportedRunning = true;
            }
            if (r.status.state == ClusterRunState::Done) {
                store::RunFileIngest got = store::ingestRunFile(results, dir.resultFile(r.label));
                if (got.outcome == store::RunFileIngest::Outcome::Incomplete) {
                    progress.note("skipped " + got.reason);  // retried at the next poll
                    continue;
                }
                progress.note("finished " + r.progress + " (task " + r.taskId + ", " + progress.eta() + ")");
                open.erase(r.label);
            } else if (experiment::isFinal(r.status.state)) {
                const std::string state(experiment::clusterRunStateName(r.status.state));
                const std::string why = stoppedWhy(r.progress, r.status, dir, r.label);
                recordClusterStop(results, r.runId, r.status, why);
                progress.note((stoppedResumably(r.status.state) ? state + " " : "failed ") + why);
                failures.push_back(why);
                open.erase(r.label);
            }
        }
        if (!open.empty()) std::this_thread::sleep_for(kPollInterval);
    }
    progress.finish();
    if (!failures.empty()) {
        std::cerr << "inoculab-cli: " << failures.size()
                  << " run(s) did not finish; run the same command again to resubmit them (each resumes from its "
                     "checkpoint):\n";
        for (const std::string &f : failures) std::cerr << f;
        return kExitInternal;
    }
    return kExitOk;
}

void addSlurmOptions(CLI::App &run, experiment::SlurmOptions &o, std::string &workDir, bool &noWait) {
    const char *group = "SLURM (--backend slurm)";
    run.add_option("--work-dir", workDir,
                   "The experiment's folder on the cluster's shared filesystem: job files, result files, logs")
        ->group(group);
    run.add_option("--partition", o.partition, "sbatch --partition")->group(group);
    run.add_option("--gres", o.gres, "sbatch --gres, e.g. gpu:1")->group(group);
    run.add_option("--time", o.time, "Each task's time limit (sbatch --time, e.g. 04:00:00)")->group(group);
    run.add_option("--cpus-per-task", o.cpusPerTask, "sbatch --cpus-per-task; also the worker's threads")
        ->check(CLI::Range(1, 1024))
        ->capture_default_str()
        ->group(group);
    run.add_option("--mem", o.mem, "sbatch --mem, e.g. 64G")->group(group);
    run.add_option("--sbatch-arg", o.extraArgs, "Another sbatch argument, as is (repeatable)")
        ->allow_extra_args(false)
        ->group(group);
    run.add_option("--warning-seconds", o.warningSeconds,
                   "Seconds before the time limit at which a task checkpoints and requeues itself")
        ->capture_default_str()
        ->group(group);
    run.add_option("--max-requeues", o.maxRequeues, "Requeues after a time-limit warning before a run stops as timeout")
        ->check(CLI::Range(0, 1000))
        ->capture_default_str()
        ->group(group);
    run.add_flag("--no-wait", noWait, "Submit and return; `experiment collect` ingests the results later")
        ->group(group);
}

void addExperimentCollectCommand(CLI::App &experimentCommand, std::function<int()> &action) {
    struct CollectArgs {
        std::string spec, workDir, store = store::ResultsStore::defaultPath(), toyWorld;
        bool json = false;
    };
    auto args = std::make_shared<CollectArgs>();
    CLI::App *collect = experimentCommand.add_subcommand(
        "collect", "Ingest the finished runs' result files of a SLURM work folder into the store, and list each "
                   "run's state");
    collect->add_option("SPEC", args->spec, "Experiment spec (JSON)")->required();
    collect->add_option("--work-dir", args->workDir, "The work folder given to `experiment run --backend slurm`")
        ->required();
    collect->add_option("--store", args->store, "Results store (SQLite)")->capture_default_str();
    collect->add_option("--data-dir", args->toyWorld, "The toy world's folder (default: the built-in one)");
    collect->add_flag("--json", args->json, "One JSON object: counts and each run's state");
    collect->callback([&action, args] {
        action = [args] {
            const SlurmWorkDir dir(args->workDir);
            if (!fs::is_directory(dir.root)) throw common::InputError(dir.root, 0, "no such work folder");
            experiment::RunInputs in = experiment::RunInputs::load(args->spec, args->toyWorld);
            store::ResultsStore results = store::ResultsStore::open(args->store);
            // Listed even before a run is in.
            const std::int64_t experimentId = results.registerExperiment(experiment::registrationFor(in.spec));
            std::map<std::pair<std::string, std::uint64_t>, store::RunRecord> stored;
            for (const store::RunRecord &r : results.runs(experimentId)) stored[{r.condition, r.seed}] = r;
            std::map<std::string, std::string> tasks =
                latestTasks(experiment::readSubmissions(dir.submissionsLog()));

            // SLURM is asked only where its commands work; elsewhere the files alone tell.
            experiment::SlurmClient client;
            bool slurm = true;
            try {
                client.readConfig();
            } catch (const std::exception &) {
                slurm = false;
            }
            ClusterView view(dir, client);
            std::size_t ingested = 0, already = 0, incomplete = 0;
            nlohmann::json rows = nlohmann::json::array();
            std::vector<std::pair<std::string, std::uint64_t>> all;
            for (const experiment::ConditionSpec &c : in.spec.conditions)
                for (std::uint64_t seed : in.spec.seeds) all.emplace_back(c.name, seed);
            if (slurm) {
                std::vector<std::string> ids;
                for (const auto &[condition, seed] : all) {
                    auto it = tasks.find(experiment::runFileLabel(condition, seed));
                    if (it != tasks.end()) ids.push_back(it->second);
                }
                view.refresh(ids);
            }
            for (const auto &[condition, seed] : all) {
                const std::string label = experiment::runFileLabel(condition, seed);
                const std::string file = dir.resultFile(label);
                std::string note;
                bool published = fs::exists(file);
                if (published) {
                    store::RunFileIngest got = store::ingestRunFile(results, file);
                    if (got.outcome == store::RunFileIngest::Outcome::Ingested) ++ingested;
                    if (got.outcome == store::RunFileIngest::Outcome::AlreadyDone) ++already;
                    if (got.outcome == store::RunFileIngest::Outcome::Incomplete) {
                        ++incomplete;
                        published = false;
                        note = got.reason + " (skipped until complete)";
                    } else if (got.specHash != experiment::canonicalHash(in.spec)) {
                        note = "from another version of the spec (hash " + got.specHash.substr(0, 12) + ")";
                    }
                }
                const std::string task = tasks.count(label) ? tasks[label] : "";
                ClusterRunStatus status = slurm || published
                                              ? view.status(label, task, published)
                                              : ClusterRunStatus{ClusterRunState::NotSubmitted, task, "SLURM not reachable here"};
                // What the cluster ended without a result is recorded as the waiting `run` records
                // it, once: a run the store has done, or already has in that state, is left alone.
                if (experiment::isFinal(status.state) && status.state != ClusterRunState::Done && !task.empty()) {
                    auto it = stored.find({condition, seed});
                    const store::RunStatus want =
                        stoppedResumably(status.state) ? store::RunStatus::Cancelled : store::RunStatus::Failed;
                    if (it == stored.end() || (it->second.status != store::RunStatus::Done && it->second.status != want)) {
                        const std::int64_t runId = results.createRun(experimentId, condition, seed);
                        recordClusterStop(results, runId, status,
                                          stoppedWhy(condition + "/seed" + std::to_string(seed), status, dir, label));
                    }
                }
                nlohmann::json row = {{"condition", condition}, {"seed", seed},
                                      {"state", experiment::clusterRunStateName(status.state)}, {"task", task},
                                      {"detail", status.detail}, {"slurm_state", status.slurmState}};
                if (!note.empty()) row["note"] = note;
                rows.push_back(row);
            }
            if (args->json) {
                std::cout << nlohmann::json{{"ingested", ingested}, {"already_in_store", already},
                                            {"incomplete", incomplete}, {"runs", rows}}
                                 .dump(2)
                          << "\n";
            } else {
                std::cout << "ingested " << ingested << ", already in the store " << already << ", incomplete "
                          << incomplete << " (store " << args->store << ")\n";
                for (const nlohmann::json &row : rows) {
                    std::cout << "  " << row["condition"].get<std::string>() << "/seed" << row["seed"].get<std::uint64_t>()
                              << "  " << row["state"].get<std::string>();
                    if (!row["task"].get<std::string>().empty()) std::cout << "  task " << row["task"].get<std::string>();
                    if (!row["detail"].get<std::string>().empty()) std::cout << "  " << row["detail"].get<std::string>();
                    if (row.contains("note")) std::cout << "  " << row["note"].get<std::string>();
                    std::cout << "\n";
                }
            }
            return static_cast<int>(kExitOk);
        };
    });
}

}  // namespace inoculab::cli
