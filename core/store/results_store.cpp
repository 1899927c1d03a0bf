#include "store/results_store.h"

#include "common/input_error.h"
#include "store/schema.h"
#include "store/store_file_check.h"

#include <sqlite3.h>

#include <cstdlib>
#include <filesystem>
#include <unordered_map>

namespace inoculab::store {

namespace {

constexpr std::string_view kStatusNames[] = {"queued", "running", "done", "failed", "cancelled"};

// SQLite's verdicts on a file that looked like a database from its header.
[[noreturn]] void failOpen(const std::string &path, const StoreError &e) {
    if (e.code() == SQLITE_NOTADB) throw common::InputError(path, 0, "not a results store: not an SQLite database");
    if (e.code() == SQLITE_CORRUPT)
        throw common::InputError(path, 0, std::string("damaged results store: ") + e.what());
    if (e.code() == SQLITE_CANTOPEN || e.code() == SQLITE_PERM || e.code() == SQLITE_READONLY)
        throw common::InputError(path, 0, std::string("cannot open the results store: ") + e.what());
    throw;
}

}  // namespace

std::string_view runStatusName(RunStatus status) { return kStatusNames[static_cast<int>(status)]; }

std::optional<RunStatus> parseRunStatus(std::string_view name) {
    for (int i = 0; i < 5; ++i)
        if (kStatusNames[i] == name) return static_cast<RunStatus>(i);
    return std::nullopt;
}

struct ResultsStore::Writer {
    Statement metric, probe, sample, score, judgement;
    std::unordered_map<std::string, std::int64_t> metricIds;
    explicit Writer(Database &db)
        : metric(db, "INSERT OR REPLACE INTO metrics (run_id, name_id, step, value) VALUES (?1, ?2, ?3, ?4)"),
          probe(db, "INSERT OR REPLACE INTO probe_logprobs (run_id, probe, step, logprob) VALUES (?1, ?2, ?3, ?4)"),
          sample(db,
                 "INSERT OR REPLACE INTO eval_samples (run_id, step, context, question_index, question, sample_index, "
                 "response) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"),
          score(db, "INSERT OR REPLACE INTO trait_scores (sample_id, trait, score) VALUES (?1, ?2, ?3)"),
          judgement(db,
                    "INSERT OR REPLACE INTO judgements (sample_id, trait, judge_score, judge_mass, dropped, judge, mode, "
                    "prompt_sha256) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)") {}
};

ResultsStore::ResultsStore(std::unique_ptr<Database> db) : m_db(std::move(db)) {}
ResultsStore::ResultsStore(ResultsStore &&) noexcept = default;
ResultsStore &ResultsStore::operator=(ResultsStore &&) noexcept = default;
ResultsStore::~ResultsStore() = default;

std::string ResultsStore::defaultPath() {
    const char *dataHome = std::getenv("XDG_DATA_HOME");
    const char *home = std::getenv("HOME");
    std::filesystem::path base = dataHome && *dataHome ? std::filesystem::path(dataHome)
                                                       : std::filesystem::path(home ? home : ".") / ".local/share";
    return (base / "inoculab" / "results.sqlite").string();
}

ResultsStore ResultsStore::open(const std::string &path, Access access, Journal journal) {
    bool exists = std::filesystem::exists(path);
    if (!exists && access == Access::ReadOnly) throw common::InputError(path, 0, "no results store here");
    checkStoreFile(path);  // before SQLite may write anything to the file
    if (!exists) {
        std::error_code ec;
        std::filesystem::path parent = std::filesystem::path(path).parent_path();
        if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    }
    auto mode = access == Access::ReadOnly ? Database::Mode::ReadOnly : Database::Mode::ReadWriteCreate;
    std::unique_ptr<Database> db;
    std::int64_t version = 0;
    try {
        db = std::make_unique<Database>(path, mode);
        version = db->pragmaInt("user_version");  // a read: fails on a non-database
        db->pragmaInt("page_count");
    } catch (const StoreError &e) {
        failOpen(path, e);
    }
    int current = currentSchemaVersion();
    if (version > current)
        throw common::InputError(path, 0,
                                 "results store from a newer Inoculab (schema version " + std::to_string(version) +
                                     "; this one knows up to " + std::to_string(current) + "); it was not changed");
    if (access == Access::ReadOnly && version < current)
        throw common::InputError(path, 0,
                                 "results store at schema version " + std::to_string(version) + " needs version " +
                                     std::to_string(current) + "; open it once read-write to upgrade it");
    try {
        db->exec("PRAGMA foreign_keys = ON");
        if (access == Access::ReadWrite && journal == Journal::Wal) {
            // WAL: the GUI reads while a worker writes. NORMAL sync is durable across
            // application crashes; a power cut may lose the last transactions, never the file.
            db->exec("PRAGMA journal_mode = WAL");
            db->exec("PRAGMA synchronous = NORMAL");
            migrate(*db, storeMigrations());
        } else if (access == Access::ReadWrite) {
            // One writer and no reader until it is published: the lock is taken once and kept,
            // so a network filesystem's unreliable byte-range locks are exercised once per open.
            db->exec("PRAGMA locking_mode = EXCLUSIVE");
            db->exec("PRAGMA journal_mode = DELETE");
            db->exec("PRAGMA synchronous = FULL");
            migrate(*db, storeMigrations());
        }
    } catch (const StoreError &e) {
        failOpen(path, e);
    }
    return ResultsStore(std::move(db));
}

int ResultsStore::schemaVersion() { return static_cast<int>(m_db->pragmaInt("user_version")); }

std::int64_t ResultsStore::registerExperiment(const ExperimentRegistration &experiment) {
    Transaction transaction(*m_db);
    Statement find(*m_db, "SELECT id FROM experiments WHERE spec_hash = ?1");
    find.bind(1, experiment.specHash);
    if (find.step()) return find.integer(0);

    m_db->prepare("INSERT INTO experiments (name, spec_hash, spec_json) VALUES (?1, ?2, ?3)")
        .bind(1, experiment.name)
        .bind(2, experiment.specHash)
        .bind(3, experiment.specJson)
        .run();
    std::int64_t id = m_db->lastInsertId();
    Statement condition(*m_db,
                        "INSERT INTO conditions (experiment_id, name, prompt, placement, position) "
                        "VALUES (?1, ?2, ?3, ?4, ?5)");
    for (std::size_t i = 0; i < experiment.conditions.size(); ++i) {
        const auto &c = experiment.conditions[i];
        condition.bind(1, id).bind(2, c.name).bind(3, c.prompt).bind(4, c.placement).bindInt(5, i).run();
    }
    Statement trait(*m_db,
                    "INSERT INTO traits (experiment_id, name, scorer, interval, position) VALUES (?1, ?2, ?3, ?4, ?5)");
    for (std::size_t i = 0; i < experiment.traits.size(); ++i) {
        const auto &t = experiment.traits[i];
        trait.bind(1, id).bind(2, t.name).bind(3, t.scorer).bind(4, t.interval).bindInt(5, i).run();
    }
    Statement context(*m_db,
                      "INSERT INTO contexts (experiment_id, name, system_prompt, position) VALUES (?1, ?2, ?3, ?4)");
    for (std::size_t i = 0; i < experiment.contexts.size(); ++i) {
        const auto &c = experiment.contexts[i];
        context.bind(1, id).bind(2, c.name).bind(3, c.systemPrompt).bindInt(4, i).run();
    }
    transaction.commit();
    return id;
}

std::int64_t ResultsStore::registerDataset(const std::string &path, const std::string &sha256, std::uint64_t rows) {
    Transaction transaction(*m_db);
    m_db->prepare("INSERT OR IGNORE INTO datasets (path, sha256, rows) VALUES (?1, ?2, ?3)")
        .bind(1, path)
        .bind(2, sha256)
        .bindInt(3, rows)
        .run();
    Statement find(*m_db, "SELECT id FROM datasets WHERE path = ?1 AND sha256 = ?2");
    find.bind(1, path).bind(2, sha256);
    find.step();
    std::int64_t id = find.integer(0);
    transaction.commit();
    return id;
}

void ResultsStore::setConditionDataset(std::int64_t experimentId, const std::string &condition,
                                       std::int64_t datasetId) {
    m_db->prepare("UPDATE conditions SET dataset_id = ?3 WHERE experiment_id = ?1 AND name = ?2")
        .bind(1, experimentId)
        .bind(2, condition)
        .bind(3, datasetId)
        .run();
}

namespace {

ExperimentRecord readExperiment(const Statement &s) {
    return {s.integer(0), s.text(1), s.text(2), s.text(3), s.text(4)};
}

constexpr std::string_view kExperimentColumns = "SELECT id, name, spec_hash, spec_json, created_at FROM experiments ";

}  // namespace

std::vector<ExperimentRecord> ResultsStore::experiments() {
    Statement s(*m_db, std::string(kExperimentColumns) + "ORDER BY id");
    std::vector<ExperimentRecord> out;
    while (s.step()) out.push_back(readExperiment(s));
    return out;
}

std::optional<ExperimentRecord> ResultsStore::findExperiment(const std::string &nameOrHash) {
    Statement byName(*m_db, std::string(kExperimentColumns) + "WHERE name = ?1 ORDER BY id DESC LIMIT 1");
    byName.bind(1, nameOrHash);
    if (byName.step()) return readExperiment(byName);
    if (nameOrHash.size() < 8) return std::nullopt;
    // substr(), not LIKE: a hash prefix must match literally.
    Statement byHash(*m_db, std::string(kExperimentColumns) +
                                "WHERE substr(spec_hash, 1, length(?1)) = ?1 ORDER BY id DESC LIMIT 2");
    byHash.bind(1, nameOrHash);
    if (!byHash.step()) return std::nullopt;
    ExperimentRecord found = readExperiment(byHash);
    if (byHash.step()) return std::nullopt;  // ambiguous prefix
    return found;
}

std::int64_t ResultsStore::createRun(std::int64_t experimentId, const std::string &condition, std::uint64_t seed,
                                     std::optional<std::uint64_t> baseSeed) {
    Transaction transaction(*m_db);
    Statement conditionId(*m_db, "SELECT id FROM conditions WHERE experiment_id = ?1 AND name = ?2");
    conditionId.bind(1, experimentId).bind(2, condition);
    if (!conditionId.step())
        throw StoreError("experiment " + std::to_string(experimentId) + " has no condition \"" + condition + "\"",
                         SQLITE_CONSTRAINT);
    std::int64_t cid = conditionId.integer(0);
    std::optional<std::int64_t> base;
    if (baseSeed) base = static_cast<std::int64_t>(*baseSeed);
    m_db->prepare("INSERT OR IGNORE INTO runs (condition_id, seed, base_seed) VALUES (?1, ?2, ?3)")
        .bind(1, cid)
        .bindInt(2, seed)
        .bind(3, base)
        .run();
    Statement run(*m_db, "SELECT id FROM runs WHERE condition_id = ?1 AND seed = ?2 AND base_seed IS ?3");
    run.bind(1, cid).bindInt(2, seed).bind(3, base);
    run.step();
    std::int64_t id = run.integer(0);
    transaction.commit();
    return id;
}

void ResultsStore::markRunStarted(std::int64_t runId, const std::string &device) {
    m_db->prepare(
            "UPDATE runs SET status = 'running', device = ?2, error = NULL, finished_at = NULL, "
            "started_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?1")
        .bind(1, runId)
        .bind(2, device)
        .run();
}

void ResultsStore::markRunFinished(std::int64_t runId, RunStatus status, const std::optional<std::string> &error,
                                   const std::optional<std::string> &checkpoint) {
    m_db->prepare(
            "UPDATE runs SET status = ?2, error = ?3, checkpoint = coalesce(?4, checkpoint), "
            "finished_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?1")
        .bind(1, runId)
        .bind(2, runStatusName(status))
        .bind(3, error)
        .bind(4, checkpoint)
        .run();
}

std::vector<RunRecord> ResultsStore::runs(std::optional<std::int64_t> experimentId) {
    Statement s(*m_db,
                "SELECT r.id, c.experiment_id, c.name, r.seed, r.status, r.device, r.started_at, r.finished_at, "
                "r.error, r.checkpoint, r.base_seed FROM runs r JOIN conditions c ON c.id = r.condition_id "
                "WHERE ?1 IS NULL OR c.experiment_id = ?1 "
                "ORDER BY c.experiment_id, c.position, coalesce(r.base_seed, -1), r.seed");
    if (experimentId)
        s.bind(1, *experimentId);
    else
        s.bind(1, std::nullopt);
    std::vector<RunRecord> out;
    while (s.step()) {
        RunRecord r;
        r.id = s.integer(0);
        r.experimentId = s.integer(1);
        r.condition = s.text(2);
        r.seed = static_cast<std::uint64_t>(s.integer(3));
        r.status = parseRunStatus(s.text(4)).value_or(RunStatus::Failed);
        r.device = s.optionalText(5);
        r.startedAt = s.optionalText(6);
        r.finishedAt = s.optionalText(7);
        r.error = s.optionalText(8);
        r.checkpoint = s.optionalText(9);
        if (!s.isNull(10)) r.baseSeed = static_cast<std::uint64_t>(s.integer(10));
        out.push_back(std::move(r));
    }
    return out;
}

std::optional<std::pair<std::int64_t, double>> ResultsStore::latestMetric(std::int64_t runId,
                                                                          const std::string &metric) {
    Statement s(*m_db,
                "SELECT m.step, m.value FROM metrics m JOIN metric_names n ON n.id = m.name_id "
                "WHERE m.run_id = ?1 AND n.name = ?2 ORDER BY m.step DESC LIMIT 1");
    s.bind(1, runId).bind(2, metric);
    if (!s.step()) return std::nullopt;
    return std::make_pair(s.integer(0), s.real(1));
}

bool ResultsStore::hasEvaluation(std::int64_t runId, std::int64_t step) {
    Statement s(*m_db, "SELECT 1 FROM eval_samples WHERE run_id = ?1 AND step = ?2 LIMIT 1");
    s.bind(1, runId).bind(2, step);
    return s.step();
}

std::int64_t ResultsStore::metricNameId(const std::string &name) {
    auto &ids = m_writer->metricIds;
    if (auto it = ids.find(name); it != ids.end()) return it->second;
    m_db->prepare("INSERT OR IGNORE INTO metric_names (name) VALUES (?1)").bind(1, name).run();
    Statement find(*m_db, "SELECT id FROM metric_names WHERE name = ?1");
    find.bind(1, name);
    find.step();
    return ids[name] = find.integer(0);
}

void ResultsStore::writeSteps(std::span<const StepRecord> steps) {
    if (!m_writer) m_writer = std::make_unique<Writer>(*m_db);
    Writer &w = *m_writer;
    Transaction transaction(*m_db);
    try {
        for (const StepRecord &step : steps) {
            for (const auto &[name, value] : step.metrics)
                w.metric.bind(1, step.runId).bind(2, metricNameId(name)).bind(3, step.step).bind(4, value).run();
            for (const auto &[probe, logprob] : step.probeLogprobs)
                w.probe.bind(1, step.runId).bind(2, probe).bind(3, step.step).bind(4, logprob).run();
            for (const StepRecord::Sample &s : step.samples) {
                w.sample.bind(1, step.runId)
                    .bind(2, step.step)
                    .bind(3, s.context)
                    .bind(4, s.questionIndex)
                    .bind(5, s.question)
                    .bind(6, s.sampleIndex)
                    .bind(7, s.response)
                    .run();
                std::int64_t sampleId = m_db->lastInsertId();
                for (const auto &[trait, score] : s.traitScores)
                    w.score.bind(1, sampleId).bind(2, trait).bind(3, score).run();
                for (const StepRecord::Judgement &j : s.judgements) {
                    w.judgement.bind(1, sampleId).bind(2, j.trait);
                    if (j.score)
                        w.judgement.bind(3, *j.score);
                    else
                        w.judgement.bind(3, std::nullopt);
                    w.judgement.bind(4, j.mass)
                        .bind(5, std::int64_t{j.dropped ? 1 : 0})
                        .bind(6, j.judge)
                        .bind(7, j.mode)
                        .bind(8, j.promptSha256)
                        .run();
                }
            }
        }
        transaction.commit();
    } catch (...) {
        // Names interned in the rolled-back transaction are gone from the table too.
        w.metricIds.clear();
        throw;
    }
}

}  // namespace inoculab::store
