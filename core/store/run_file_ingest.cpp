#include "store/run_file_ingest.h"

#include "common/input_error.h"

#include <filesystem>
#include <optional>

namespace inoculab::store {

namespace {

struct FileRun {
    std::string specHash, condition;
    std::uint64_t seed = 0;
    std::optional<std::int64_t> baseSeed;
    std::int64_t runId = 0;
};

// Files from workers older than schema 5 have no base seeds (their runs are on the one base model).
bool hasBaseSeeds(Database &db, const char *schema) {
    Statement s(db, std::string("SELECT 1 FROM ") + schema + ".pragma_table_info('runs') WHERE name = 'base_seed'");
    return s.step();
}

// What the file holds, checked before the user's store is touched: a store (its header, schema
// version and pages intact) with one experiment and one run, done.
FileRun inspect(const std::string &file) {
    ResultsStore source = ResultsStore::open(file, ResultsStore::Access::ReadOnly);
    Database &db = source.database();
    Statement check(db, "PRAGMA quick_check");
    if (!check.step() || check.text(0) != "ok")
        throw common::InputError(file, 0, "damaged: " + (check.isNull(0) ? std::string("no answer") : check.text(0)));
    Statement experiments(db, "SELECT spec_hash FROM experiments");
    FileRun found;
    int count = 0;
    while (experiments.step()) {
        found.specHash = experiments.text(0);
        ++count;
    }
    if (count != 1)
        throw common::InputError(file, 0, "holds " + std::to_string(count) + " experiments, not one run's results");
    Statement runs(db, std::string("SELECT r.id, c.name, r.seed, r.status, ") +
                           (hasBaseSeeds(db, "main") ? "r.base_seed" : "NULL") +
                           " FROM runs r JOIN conditions c ON c.id = r.condition_id");
    count = 0;
    std::string status;
    while (runs.step()) {
        found.runId = runs.integer(0);
        found.condition = runs.text(1);
        found.seed = static_cast<std::uint64_t>(runs.integer(2));
        status = runs.text(3);
        if (!runs.isNull(4)) found.baseSeed = runs.integer(4);
        ++count;
    }
    if (count != 1) throw common::InputError(file, 0, "holds " + std::to_string(count) + " runs, not one");
    if (status != "done") throw common::InputError(file, 0, "its run is " + status + ", not done");
    return found;
}

// ATTACH and DETACH must happen outside a transaction; this keeps them paired.
class Attached {
public:
    Attached(Database &db, const std::string &file) : m_db(db) {
        m_db.prepare("ATTACH DATABASE ?1 AS src").bind(1, file).run();
    }
    ~Attached() {
        try {
            m_db.exec("DETACH DATABASE src");
        } catch (const StoreError &) {
            // Detaching fails only inside an open transaction, which the caller has ended.
        }
    }
    Attached(const Attached &) = delete;
    Attached &operator=(const Attached &) = delete;

private:
    Database &m_db;
};

std::int64_t destinationExperiment(Database &db) {
    Statement find(db, "SELECT id FROM main.experiments WHERE spec_hash = (SELECT spec_hash FROM src.experiments)");
    if (find.step()) return find.integer(0);
    db.exec(
        "INSERT INTO main.experiments (name, spec_hash, spec_json, created_at) "
        "SELECT name, spec_hash, spec_json, created_at FROM src.experiments");
    const std::int64_t id = db.lastInsertId();
    db.prepare(
          "INSERT INTO main.conditions (experiment_id, name, prompt, placement, position) "
          "SELECT ?1, name, prompt, placement, position FROM src.conditions ORDER BY position")
        .bind(1, id)
        .run();
    db.prepare(
          "INSERT INTO main.traits (experiment_id, name, scorer, interval, position) "
          "SELECT ?1, name, scorer, interval, position FROM src.traits")
        .bind(1, id)
        .run();
    db.prepare(
          "INSERT INTO main.contexts (experiment_id, name, system_prompt, position) "
          "SELECT ?1, name, system_prompt, position FROM src.contexts")
        .bind(1, id)
        .run();
    return id;
}

// The datasets the file's conditions trained on, linked where the store has no link yet.
void copyDatasetLinks(Database &db, std::int64_t experimentId) {
    db.exec("INSERT OR IGNORE INTO main.datasets (path, sha256, rows) SELECT path, sha256, rows FROM src.datasets");
    db.prepare(
          "UPDATE main.conditions SET dataset_id = ("
          "  SELECT d.id FROM src.conditions sc JOIN src.datasets sd ON sd.id = sc.dataset_id "
          "  JOIN main.datasets d ON d.path = sd.path AND d.sha256 = sd.sha256 "
          "  WHERE sc.name = main.conditions.name) "
          "WHERE experiment_id = ?1 AND dataset_id IS NULL")
        .bind(1, experimentId)
        .run();
}

}  // namespace

RunFileIngest ingestRunFile(ResultsStore &store, const std::string &file) {
    RunFileIngest result;
    FileRun run;
    try {
        run = inspect(file);
    } catch (const common::InputError &e) {
        result.reason = e.what();
        return result;
    } catch (const StoreError &e) {
        result.reason = file + ": " + e.what();
        return result;
    }
    result.specHash = run.specHash;
    result.condition = run.condition;
    result.seed = run.seed;
    if (run.baseSeed) result.baseSeed = static_cast<std::uint64_t>(*run.baseSeed);

    Database &db = store.database();
    Attached attached(db, file);
    Transaction transaction(db);
    const std::int64_t experimentId = destinationExperiment(db);
    copyDatasetLinks(db, experimentId);
    Statement condition(db, "SELECT id FROM main.conditions WHERE experiment_id = ?1 AND name = ?2");
    condition.bind(1, experimentId).bind(2, run.condition);
    if (!condition.step())
        throw common::InputError(store.path(), 0,
                                 "the experiment of " + file + " has no condition \"" + run.condition + "\" here");
    const std::int64_t conditionId = condition.integer(0);

    Statement existing(db,
                       "SELECT id, status FROM main.runs WHERE condition_id = ?1 AND seed = ?2 AND base_seed IS ?3");
    existing.bind(1, conditionId).bindInt(2, run.seed).bind(3, run.baseSeed);
    std::int64_t runId = 0;
    if (existing.step()) {
        if (existing.text(1) == "done") {
            result.outcome = RunFileIngest::Outcome::AlreadyDone;
            return result;  // the transaction rolls back: nothing was changed
        }
        runId = existing.integer(0);
        // Whatever an earlier attempt left here is replaced by the file's complete run.
        for (const char *table : {"metrics", "probe_logprobs", "eval_samples"})
            db.prepare(std::string("DELETE FROM main.") + table + " WHERE run_id = ?1").bind(1, runId).run();
        db.prepare(
              "UPDATE main.runs SET (status, device, started_at, finished_at, error, checkpoint) = "
              "(SELECT status, device, started_at, finished_at, error, checkpoint FROM src.runs WHERE id = ?2) "
              "WHERE id = ?1")
            .bind(1, runId)
            .bind(2, run.runId)
            .run();
    } else {
        db.prepare(
              "INSERT INTO main.runs (condition_id, base_seed, seed, status, device, queued_at, started_at, finished_at, "
              "error, checkpoint) SELECT ?1, ?3, seed, status, device, queued_at, started_at, finished_at, error, "
              "checkpoint FROM src.runs WHERE id = ?2")
            .bind(1, conditionId)
            .bind(2, run.runId)
            .bind(3, run.baseSeed)
            .run();
        runId = db.lastInsertId();
    }

    // A file from a worker older than provenance (schema 3) has none to copy.
    if (Statement has(db, "SELECT 1 FROM src.sqlite_master WHERE type = 'table' AND name = 'run_provenance'"); has.step())
        db.prepare(
              "INSERT OR REPLACE INTO main.run_provenance (run_id, base_model, base_model_sha256, inoculab_version, "
              "torch_version, host, recorded_at) SELECT ?1, base_model, base_model_sha256, inoculab_version, "
              "torch_version, host, recorded_at FROM src.run_provenance WHERE run_id = ?2")
            .bind(1, runId)
            .bind(2, run.runId)
            .run();
    db.exec("INSERT OR IGNORE INTO main.metric_names (name) SELECT name FROM src.metric_names");
    db.prepare(
          "INSERT INTO main.metrics (run_id, name_id, step, value) SELECT ?1, mn.id, m.step, m.value "
          "FROM src.metrics m JOIN src.metric_names sn ON sn.id = m.name_id "
          "JOIN main.metric_names mn ON mn.name = sn.name WHERE m.run_id = ?2")
        .bind(1, runId)
        .bind(2, run.runId)
        .run();
    db.prepare(
          "INSERT INTO main.probe_logprobs (run_id, probe, step, logprob) "
          "SELECT ?1, probe, step, logprob FROM src.probe_logprobs WHERE run_id = ?2")
        .bind(1, runId)
        .bind(2, run.runId)
        .run();
    // In the file's order, so that queries ordered by sample id list them as the worker wrote them.
    db.prepare(
          "INSERT INTO main.eval_samples (run_id, step, context, question_index, question, sample_index, response) "
          "SELECT ?1, step, context, question_index, question, sample_index, response FROM src.eval_samples "
          "WHERE run_id = ?2 ORDER BY id")
        .bind(1, runId)
        .bind(2, run.runId)
        .run();
    // A sample's scores follow it by its natural key (step, context, question, sample).
    constexpr std::string_view kSampleJoin =
        " FROM src.eval_samples s JOIN main.eval_samples d ON d.run_id = ?1 AND d.step = s.step AND "
        "d.context = s.context AND d.question_index = s.question_index AND d.sample_index = s.sample_index ";
    db.prepare(std::string("INSERT INTO main.trait_scores (sample_id, trait, score) SELECT d.id, t.trait, t.score") +
               std::string(kSampleJoin) + "JOIN src.trait_scores t ON t.sample_id = s.id WHERE s.run_id = ?2")
        .bind(1, runId)
        .bind(2, run.runId)
        .run();
    db.prepare(std::string("INSERT INTO main.judgements (sample_id, trait, judge_score, judge_mass, dropped, judge, "
                           "mode, prompt_sha256) SELECT d.id, j.trait, j.judge_score, j.judge_mass, j.dropped, "
                           "j.judge, j.mode, j.prompt_sha256") +
               std::string(kSampleJoin) + "JOIN src.judgements j ON j.sample_id = s.id WHERE s.run_id = ?2")
        .bind(1, runId)
        .bind(2, run.runId)
        .run();
    // The verdicts travel too: the user's store then answers the same judge prompts from cache.
    db.exec(
        "INSERT OR IGNORE INTO main.judge_verdicts (judge, mode, prompt_sha256, template_sha256, prompt, "
        "distribution, created_at) SELECT judge, mode, prompt_sha256, template_sha256, prompt, distribution, "
        "created_at FROM src.judge_verdicts");
    transaction.commit();
    result.outcome = RunFileIngest::Outcome::Ingested;
    return result;
}

}  // namespace inoculab::store
