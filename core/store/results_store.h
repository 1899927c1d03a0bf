#pragma once
// ResultsStore: the SQLite file every job writes and the GUI and CLI read. One file per
// workspace, WAL mode (readers never block the writer), foreign keys on, schema migrated on
// open. Files that are not stores, damaged or from a newer Inoculab are refused unchanged.
#include "store/sqlite_db.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace inoculab::store {

enum class RunStatus { Queued, Running, Done, Failed, Cancelled };
std::string_view runStatusName(RunStatus status);
std::optional<RunStatus> parseRunStatus(std::string_view name);

// What the store needs to know of an experiment spec (the spec layer fills it).
struct ExperimentRegistration {
    struct Condition {
        std::string name;
        std::optional<std::string> prompt;  // nullopt: a baseline
        std::string placement;
    };
    struct Trait {
        std::string name;
        std::string scorer;
        std::string interval;  // "t", "bootstrap" or "wilson"
    };
    struct Context {
        std::string name;
        std::optional<std::string> systemPrompt;
    };
    std::string name;
    std::string specHash;
    std::string specJson;
    std::vector<Condition> conditions;
    std::vector<Trait> traits;
    std::vector<Context> contexts;
};

struct ExperimentRecord {
    std::int64_t id = 0;
    std::string name;
    std::string specHash;
    std::string specJson;
    std::string createdAt;
};

struct RunRecord {
    std::int64_t id = 0;
    std::int64_t experimentId = 0;
    std::string condition;
    std::uint64_t seed = 0;
    std::optional<std::uint64_t> baseSeed;  // nullopt: the experiment's one base model
    RunStatus status = RunStatus::Queued;
    std::optional<std::string> device, startedAt, finishedAt, error, checkpoint;
};

// Everything one training or evaluation step produced, written in one transaction so that a
// reader sees all of a step or none of it.
struct StepRecord {
    // A judged trait's verdict on one sample (the trait's traitScores entry exists only when
    // the answer counts: score defined and not dropped).
    struct Judgement {
        std::string trait;
        std::optional<double> score;  // 0..100; nullopt: undefined
        double mass = 0;
        bool dropped = false;
        std::string judge, mode, promptSha256;  // the verdict's key in judge_verdicts
    };
    struct Sample {
        std::string context;
        std::int64_t questionIndex = 0;
        std::string question;
        std::int64_t sampleIndex = 0;
        std::string response;
        std::vector<std::pair<std::string, double>> traitScores;
        std::vector<Judgement> judgements;
    };
    std::int64_t runId = 0;
    std::int64_t step = 0;
    std::vector<std::pair<std::string, double>> metrics;
    std::vector<std::pair<std::string, double>> probeLogprobs;
    std::vector<Sample> samples;
};

class ResultsStore {
public:
    enum class Access { ReadOnly, ReadWrite };
    // Wal: the user's store, read by the GUI while workers on this host write it. RunFile: one
    // run's own result file on a cluster's shared filesystem, where WAL is ruled out (it needs
    // one host's shared memory): a rollback journal, full sync, and the lock held by its only
    // writer for as long as it is open (docs/cluster.md).
    enum class Journal { Wal, RunFile };

    // Creates the file (ReadWrite only) when missing. Throws common::InputError naming the
    // file when it is not a store, is damaged or truncated, or has a newer schema.
    static ResultsStore open(const std::string &path, Access access = Access::ReadWrite,
                             Journal journal = Journal::Wal);
    // The default store: $XDG_DATA_HOME/inoculab/results.sqlite (~/.local/share/...).
    static std::string defaultPath();

    ResultsStore(ResultsStore &&) noexcept;
    ResultsStore &operator=(ResultsStore &&) noexcept;
    ~ResultsStore();

    const std::string &path() const { return m_db->path(); }
    Database &database() { return *m_db; }
    int schemaVersion();

    // Registration is idempotent: the same spec hash returns the existing experiment.
    std::int64_t registerExperiment(const ExperimentRegistration &experiment);
    std::int64_t registerDataset(const std::string &path, const std::string &sha256, std::uint64_t rows);
    void setConditionDataset(std::int64_t experimentId, const std::string &condition, std::int64_t datasetId);

    std::vector<ExperimentRecord> experiments();
    // By exact name (the most recent registration of that name) or by a spec hash prefix of
    // at least 8 characters; nullopt when none matches.
    std::optional<ExperimentRecord> findExperiment(const std::string &nameOrHash);

    // Returns the run of (condition, base seed, seed), creating it queued if needed. baseSeed
    // nullopt: the experiment has one base model.
    std::int64_t createRun(std::int64_t experimentId, const std::string &condition, std::uint64_t seed,
                           std::optional<std::uint64_t> baseSeed = std::nullopt);
    void markRunStarted(std::int64_t runId, const std::string &device);
    void markRunFinished(std::int64_t runId, RunStatus status, const std::optional<std::string> &error = {},
                         const std::optional<std::string> &checkpoint = {});
    std::vector<RunRecord> runs(std::optional<std::int64_t> experimentId = {});

    // Writes the steps in one transaction (batch them: one commit per step is far slower).
    void writeSteps(std::span<const StepRecord> steps);
    // The last step at which the run recorded `metric`, and its value: how far a worker in
    // another process has got.
    std::optional<std::pair<std::int64_t, double>> latestMetric(std::int64_t runId, const std::string &metric);
    // Whether the run has evaluation samples at `step` (a resumed run re-evaluates when not).
    bool hasEvaluation(std::int64_t runId, std::int64_t step);

private:
    explicit ResultsStore(std::unique_ptr<Database> db);
    std::int64_t metricNameId(const std::string &name);
    struct Writer;  // prepared statements for writeSteps, made on first use
    std::unique_ptr<Database> m_db;
    std::unique_ptr<Writer> m_writer;
};

}  // namespace inoculab::store
