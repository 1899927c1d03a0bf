#include "store/schema.h"

#include <sqlite3.h>

#include <string>

namespace inoculab::store {

namespace {

// Version 1. Metric and probe rows are the bulk of a store: WITHOUT ROWID tables keyed so that
// a per-run series is one contiguous range, and metric names interned in metric_names.
constexpr std::string_view kVersion1 = R"sql(
CREATE TABLE experiments (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    spec_hash   TEXT NOT NULL UNIQUE,
    spec_json   TEXT NOT NULL,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX experiments_by_name ON experiments(name, id);

CREATE TABLE datasets (
    id      INTEGER PRIMARY KEY,
    path    TEXT NOT NULL,
    sha256  TEXT NOT NULL,
    rows    INTEGER NOT NULL,
    UNIQUE (path, sha256)
);

CREATE TABLE conditions (
    id             INTEGER PRIMARY KEY,
    experiment_id  INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    prompt         TEXT,            -- NULL for a baseline
    placement      TEXT,
    position       INTEGER NOT NULL, -- order in the spec, for tables and charts
    dataset_id     INTEGER REFERENCES datasets(id),
    UNIQUE (experiment_id, name)
);

CREATE TABLE traits (
    experiment_id  INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    scorer         TEXT NOT NULL,
    interval       TEXT NOT NULL CHECK (interval IN ('t', 'bootstrap', 'wilson')),
    position       INTEGER NOT NULL,
    PRIMARY KEY (experiment_id, name)
) WITHOUT ROWID;

CREATE TABLE contexts (
    experiment_id  INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    system_prompt  TEXT,
    position       INTEGER NOT NULL,
    PRIMARY KEY (experiment_id, name)
) WITHOUT ROWID;

CREATE TABLE runs (
    id            INTEGER PRIMARY KEY,
    condition_id  INTEGER NOT NULL REFERENCES conditions(id) ON DELETE CASCADE,
    seed          INTEGER NOT NULL,
    status        TEXT NOT NULL DEFAULT 'queued'
                  CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    device        TEXT,
    queued_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    started_at    TEXT,
    finished_at   TEXT,
    error         TEXT,
    checkpoint    TEXT,
    UNIQUE (condition_id, seed)
);

CREATE TABLE metric_names (
    id    INTEGER PRIMARY KEY,
    name  TEXT NOT NULL UNIQUE
);

CREATE TABLE metrics (
    run_id   INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    name_id  INTEGER NOT NULL REFERENCES metric_names(id),
    step     INTEGER NOT NULL,
    value    REAL NOT NULL,
    PRIMARY KEY (run_id, name_id, step)
) WITHOUT ROWID;

CREATE TABLE probe_logprobs (
    run_id   INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    probe    TEXT NOT NULL,
    step     INTEGER NOT NULL,
    logprob  REAL NOT NULL,
    PRIMARY KEY (run_id, probe, step)
) WITHOUT ROWID;

CREATE TABLE eval_samples (
    id              INTEGER PRIMARY KEY,
    run_id          INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    step            INTEGER NOT NULL,
    context         TEXT NOT NULL,
    question_index  INTEGER NOT NULL,
    question        TEXT NOT NULL,
    sample_index    INTEGER NOT NULL,
    response        TEXT NOT NULL,
    UNIQUE (run_id, step, context, question_index, sample_index)
);

CREATE TABLE trait_scores (
    sample_id  INTEGER NOT NULL REFERENCES eval_samples(id) ON DELETE CASCADE,
    trait      TEXT NOT NULL,
    score      REAL NOT NULL,
    PRIMARY KEY (sample_id, trait)
) WITHOUT ROWID;
)sql";

// The prompt library of the Prompts workspace: candidate prompts kept beside the results
// they produced, so a prompt's notes and tags travel with the store.
constexpr std::string_view kVersion2 = R"sql(
CREATE TABLE prompts (
    id          INTEGER PRIMARY KEY,
    text        TEXT NOT NULL,
    notes       TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    updated_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
);

CREATE TABLE prompt_tags (
    prompt_id  INTEGER NOT NULL REFERENCES prompts(id) ON DELETE CASCADE,
    tag        TEXT NOT NULL,
    PRIMARY KEY (prompt_id, tag)
) WITHOUT ROWID;
)sql";

// Judged traits. judge_verdicts is the verdict cache: every distribution a judge gave, keyed by
// who judged (judge: "openai <base_url> <model>" or "hf <folder> <weights digest>"), the mode
// and the rendered prompt's hash, so that no prompt is paid for twice. judgements holds each
// judged sample's score; its trait_scores row exists only when the answer counts (a defined
// score, not dropped), so rates exclude undefined and dropped answers by construction.
constexpr std::string_view kVersion3 = R"sql(
CREATE TABLE judge_verdicts (
    judge            TEXT NOT NULL,
    mode             TEXT NOT NULL,
    prompt_sha256    TEXT NOT NULL,
    template_sha256  TEXT NOT NULL,
    prompt           TEXT NOT NULL,
    distribution     TEXT NOT NULL,  -- JSON [[answer, probability], ...]
    created_at       TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (judge, mode, prompt_sha256)
) WITHOUT ROWID;

CREATE TABLE judgements (
    sample_id      INTEGER NOT NULL REFERENCES eval_samples(id) ON DELETE CASCADE,
    trait          TEXT NOT NULL,
    judge_score    REAL,              -- 0..100; NULL: undefined (too little mass on valid answers)
    judge_mass     REAL NOT NULL,
    dropped        INTEGER NOT NULL CHECK (dropped IN (0, 1)),
    judge          TEXT NOT NULL,
    mode           TEXT NOT NULL,
    prompt_sha256  TEXT NOT NULL,     -- with judge and mode: the verdict in judge_verdicts
    PRIMARY KEY (sample_id, trait)
) WITHOUT ROWID;
)sql";

// Provenance and checks made before training. run_provenance: what each run was trained with,
// so a report can say it and a changed base model under a finished experiment is detected.
// elicitation_checks: the elicitation check's numbers per candidate prompt (docs/elicitation.md),
// prompts that were never trained included; a new check of the same prompt on the same rows and
// base model replaces the old one.
constexpr std::string_view kVersion4 = R"sql(
CREATE TABLE run_provenance (
    run_id             INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
    base_model         TEXT NOT NULL,
    base_model_sha256  TEXT NOT NULL,
    inoculab_version   TEXT NOT NULL,
    torch_version      TEXT NOT NULL,
    host               TEXT NOT NULL,
    recorded_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE elicitation_checks (
    id                 INTEGER PRIMARY KEY,
    experiment_id      INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
    prompt             TEXT NOT NULL,
    rows               INTEGER NOT NULL,
    tokens             INTEGER NOT NULL,
    loss_without       REAL NOT NULL,   -- nats per answer token
    loss_with          REAL NOT NULL,
    change_mean        REAL,            -- PH: mean per-token log-prob change, t interval over rows
    change_low         REAL,
    change_high        REAL,
    share_positive     REAL,            -- rows the prompt raises, Wilson interval
    share_low          REAL,
    share_high         REAL,
    spread             REAL,            -- standard deviation of the change, bootstrap interval
    spread_low         REAL,
    spread_high        REAL,
    traits_json        TEXT NOT NULL DEFAULT '[]',  -- per trait: rates without and with, elicitation
    base_model         TEXT NOT NULL,
    base_model_sha256  TEXT NOT NULL,
    checked_at         TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (experiment_id, prompt, rows, base_model_sha256)
);
)sql";

// Base models as a factor of the design: a run is (condition, base seed, finetune seed).
// base_seed is NULL for the runs of an experiment with one base model (all runs before this
// version), so their key and the numbers read from them are unchanged. The table is rebuilt by
// SQLite's documented procedure (create, copy, drop, rename) with the same ids, so the rows
// that reference runs keep pointing at theirs.
constexpr std::string_view kVersion5 = R"sql(
CREATE TABLE runs_v5 (
    id            INTEGER PRIMARY KEY,
    condition_id  INTEGER NOT NULL REFERENCES conditions(id) ON DELETE CASCADE,
    base_seed     INTEGER,          -- NULL: the experiment's one base model
    seed          INTEGER NOT NULL,
    status        TEXT NOT NULL DEFAULT 'queued'
                  CHECK (status IN ('queued', 'running', 'done', 'failed', 'cancelled')),
    device        TEXT,
    queued_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    started_at    TEXT,
    finished_at   TEXT,
    error         TEXT,
    checkpoint    TEXT
);
INSERT INTO runs_v5 (id, condition_id, seed, status, device, queued_at, started_at, finished_at, error, checkpoint)
    SELECT id, condition_id, seed, status, device, queued_at, started_at, finished_at, error, checkpoint FROM runs;
DROP TABLE runs;
ALTER TABLE runs_v5 RENAME TO runs;
CREATE UNIQUE INDEX runs_by_model ON runs(condition_id, coalesce(base_seed, -1), seed);
)sql";

constexpr Migration kMigrations[] = {
    {1, "experiments, datasets, conditions, traits, contexts, runs, metrics, probes, samples", kVersion1},
    {2, "prompt library", kVersion2},
    {3, "judge verdicts and judgements", kVersion3},
    {4, "run provenance and elicitation checks", kVersion4},
    {5, "base seeds of runs", kVersion5, true},
};

}  // namespace

std::span<const Migration> storeMigrations() { return kMigrations; }

int currentSchemaVersion() { return kMigrations[std::size(kMigrations) - 1].version; }

void migrate(Database &db, std::span<const Migration> migrations) {
    for (const Migration &migration : migrations) {
        if (db.pragmaInt("user_version") >= migration.version) continue;
        // Outside the transaction: SQLite ignores the pragma within one.
        const bool foreignKeys = db.pragmaInt("foreign_keys") != 0;
        if (migration.rebuildsTables && foreignKeys) db.exec("PRAGMA foreign_keys = OFF");
        struct RestoreForeignKeys {
            Database &db;
            bool on;
            ~RestoreForeignKeys() {
                try {
                    if (on) db.exec("PRAGMA foreign_keys = ON");
                } catch (const StoreError &) {  // a destructor must not throw; the next open sets it again
                }
            }
        } restore{db, migration.rebuildsTables && foreignKeys};
        // Re-read inside the write lock: another process may have migrated meanwhile.
        Transaction transaction(db);
        if (db.pragmaInt("user_version") >= migration.version) continue;
        try {
            db.exec(migration.sql);
            if (migration.rebuildsTables) {
                Statement check(db, "PRAGMA foreign_key_check");
                if (check.step())
                    throw StoreError("a row of " + check.text(0) + " references a missing row of " + check.text(2),
                                     SQLITE_CONSTRAINT);
            }
        } catch (const StoreError &e) {
            throw StoreError("schema migration to version " + std::to_string(migration.version) + " (" +
                                 std::string(migration.description) + ") failed: " + e.what(),
                             e.code());
        }
        db.exec("PRAGMA user_version = " + std::to_string(migration.version));
        transaction.commit();
    }
}

}  // namespace inoculab::store
