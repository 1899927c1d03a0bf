#pragma once
// WorkerJob: the file `inoculab-cli worker --job FILE` runs, written by `experiment run`, the
// GUI's job manager or a cluster scheduler. Documented in docs/worker-jobs.md.

#include "model/device.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace inoculab::experiment {

// Pretrain: the toy base model. Finetune: one condition x seed run. Elicit: the base model's
// loss on training rows with and without each candidate prompt (the elicitation check).
// Estimate: how long pretraining, a run's steps and an evaluation take here (time_estimate.h).
enum class JobKind { Pretrain, Finetune, Elicit, Estimate };

struct WorkerJob {
    JobKind kind = JobKind::Finetune;
    std::string spec;        // experiment spec file
    std::string specHash;    // optional: refuse to run when the spec file no longer hashes to it
    std::string store;       // results store (finetune jobs write their run there; elicit jobs cache verdicts)
    // Finetune only, instead of `store`: the run's own result file, for a worker whose host
    // must not write the user's store (a cluster node). The run is written to FILE.partial
    // and renamed to FILE once done, so FILE exists only complete (docs/cluster.md).
    std::string resultFile;
    std::string condition;   // finetune only
    std::uint64_t seed = 0;  // finetune only
    // Which base model of a spec naming several (base_model.pretraining.seeds) the job uses;
    // required then for pretrain and finetune jobs, refused when the spec names one.
    std::optional<std::uint64_t> baseSeed;
    std::string cache;       // base models and run checkpoints live under it
    model::DeviceRequest device = model::DeviceRequest::Auto;
    std::string toyWorldDir;           // optional: the toy world's folder (default: the built-in one)
    int threads = 0;  // torch threads; 0: the worker decides
    // Finetune: a checkpoint at the first step boundary this long after the last one, so a
    // killed worker loses at most that much training; 0: after every step.
    int checkpointSeconds = 120;
    // Finetune: ask the judges again even where the store has their verdict (and replace it).
    bool rejudge = false;
    std::vector<std::string> prompts;  // elicit only: the candidate prompts
    std::uint64_t rows = 64;           // elicit only: training rows scored per prompt
    // Elicit only: also the traits' rates on the evaluation questions with and without each
    // prompt (sampled answers, scored by each trait's scorer, judges included).
    bool traits = false;
    std::uint64_t questions = 0;  // elicit only, with traits: the first this many questions; 0: all
};

// Throws common::InputError naming the file and the field ("job.json: seed: expected ...").
WorkerJob readWorkerJob(const std::string &path);
WorkerJob workerJobFromJson(const nlohmann::json &json, const std::string &fileName);
nlohmann::json toJson(const WorkerJob &job);
// Written whole or not at all.
void writeWorkerJob(const std::string &path, const WorkerJob &job);

std::string_view jobKindName(JobKind kind);  // "pretrain", "finetune", "elicit", "estimate"

// Folders under the cache: the base model of a key, and a run's checkpoint.
std::string baseModelDir(const std::string &cache, const std::string &baseKey);
std::string baseModelWeightsPath(const std::string &cache, const std::string &baseKey);
// A run on one of several base models has the base seed in its folder's name
// ("inoc-spanish-base1-seed0"); the one base model of a spec keeps the plain name.
std::string runCheckpointDir(const std::string &cache, const std::string &specHash, const std::string &condition,
                             std::uint64_t seed, std::optional<std::uint64_t> baseSeed = std::nullopt);
// Where a result file's run is written until it is published.
std::string partialResultPath(const std::string &resultFile);
// Held (common::FileLock) by the worker that trains the run, for as long as it lives.
std::string runLockPath(const std::string &cache, const std::string &specHash, const std::string &condition,
                        std::uint64_t seed, std::optional<std::uint64_t> baseSeed = std::nullopt);
// "inoc-spanish seed 0", or "inoc-spanish base 1 seed 0" on one of several base models.
std::string runName(const std::string &condition, std::uint64_t seed, std::optional<std::uint64_t> baseSeed);
// $XDG_CACHE_HOME/inoculab, else ~/.cache/inoculab.
std::string defaultCacheDir();

}  // namespace inoculab::experiment
