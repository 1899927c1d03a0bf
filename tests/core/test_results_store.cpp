// ResultsStore: creation, registration, runs, step writes, migrations, and refusing files
// that are not stores, are damaged or come from a newer version, without changing them.
#include "test_support.h"

#include "store_test_data.h"

#include "common/input_error.h"
#include "common/sha256.h"
#include "store/schema.h"

#include <QFile>

using namespace inoculab;
using store::ResultsStore;

namespace {

std::string path(const QTemporaryDir &dir, const char *name) { return dir.filePath(name).toStdString(); }

// Asserts that opening fails with an InputError whose text contains `reason`, and that the
// file's bytes are exactly as before.
void expectRefused(const std::string &file, const QString &reason) {
    std::string before = common::sha256File(file);
    try {
        ResultsStore::open(file);
        QFAIL("expected InputError");
    } catch (const common::InputError &e) {
        QVERIFY2(QString::fromStdString(e.what()).contains(reason), e.what());
        QCOMPARE(e.file(), file);
    }
    QCOMPARE(common::sha256File(file), before);
}

std::int64_t count(ResultsStore &s, const std::string &sql) {
    store::Statement st(s.database(), sql);
    return st.step() ? st.integer(0) : -1;
}

}  // namespace

class TestResultsStore : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

private Q_SLOTS:
    void createsAStoreAtTheCurrentVersion() {
        std::string file = path(m_dir, "sub/folder/new.sqlite");
        ResultsStore s = ResultsStore::open(file);
        QCOMPARE(s.schemaVersion(), store::currentSchemaVersion());
        store::Statement mode(s.database(), "PRAGMA journal_mode");
        QVERIFY(mode.step());
        QCOMPARE(mode.text(0), std::string("wal"));
        QCOMPARE(s.database().pragmaInt("foreign_keys"), 1);
    }

    void registrationIsIdempotentByHash() {
        ResultsStore s = ResultsStore::open(path(m_dir, "reg.sqlite"));
        std::int64_t a = s.registerExperiment(test::toyRegistration());
        QCOMPARE(s.registerExperiment(test::toyRegistration()), a);
        std::int64_t b = s.registerExperiment(test::toyRegistration("ffff0000ffff0000"));
        QVERIFY(a != b);
        QCOMPARE(s.experiments().size(), 2u);
        QCOMPARE(count(s, "SELECT count(*) FROM conditions"), 4);
        // By name: the most recent registration. By hash prefix: that one.
        QCOMPARE(s.findExperiment("toy")->id, b);
        QCOMPARE(s.findExperiment("a1b2c3d4")->id, a);
        QVERIFY(!s.findExperiment("a1b2"));  // too short to be a hash prefix
        QVERIFY(!s.findExperiment("nothing-like-it"));
    }

    void runsMoveThroughTheirStatuses() {
        ResultsStore s = ResultsStore::open(path(m_dir, "runs.sqlite"));
        std::int64_t e = s.registerExperiment(test::toyRegistration());
        std::int64_t run = s.createRun(e, "baseline", 2);
        QCOMPARE(s.createRun(e, "baseline", 2), run);
        s.createRun(e, "spanish-inoculated", 0);
        QVERIFY_THROWS_EXCEPTION(store::StoreError, s.createRun(e, "no-such-condition", 0));
        s.markRunStarted(run, "cuda:0");
        auto runs = s.runs(e);
        QCOMPARE(runs.size(), 2u);
        QCOMPARE(runs[0].condition, std::string("baseline"));
        QCOMPARE(runs[0].status, store::RunStatus::Running);
        QCOMPARE(runs[0].device.value_or(""), std::string("cuda:0"));
        QVERIFY(runs[0].startedAt.has_value());
        s.markRunFinished(run, store::RunStatus::Failed, std::string("out of memory"), std::string("/ckpt/step-100"));
        runs = s.runs(e);
        QCOMPARE(runs[0].status, store::RunStatus::Failed);
        QCOMPARE(runs[0].error.value_or(""), std::string("out of memory"));
        QCOMPARE(runs[0].checkpoint.value_or(""), std::string("/ckpt/step-100"));
        QCOMPARE(runs[1].status, store::RunStatus::Queued);
    }

    void stepsAreWrittenWhole() {
        ResultsStore s = ResultsStore::open(path(m_dir, "steps.sqlite"));
        std::int64_t run = s.createRun(s.registerExperiment(test::toyRegistration()), "baseline", 0);
        store::StepRecord step;
        step.runId = run;
        step.step = 10;
        step.metrics = {{"train_loss", 1.25}, {"lr", 3e-4}};
        step.probeLogprobs = {{"caps-english", -12.5}};
        step.samples = {{"none", 0, "Q?", 0, "A.", {{"spanish", 1.0}, {"all_caps", 0.0}}}};
        QVERIFY(!s.latestMetric(run, "train_loss"));
        QVERIFY(!s.hasEvaluation(run, 10));
        s.writeSteps({&step, 1});
        QCOMPARE(count(s, "SELECT count(*) FROM metrics"), 2);
        QCOMPARE(count(s, "SELECT count(*) FROM trait_scores"), 2);
        QVERIFY(s.hasEvaluation(run, 10));
        QVERIFY(!s.hasEvaluation(run, 11));
        store::StepRecord later{run, 30, {{"train_loss", 1.0}}, {}, {}};
        s.writeSteps({&later, 1});
        QCOMPARE(s.latestMetric(run, "train_loss"), (std::make_pair(std::int64_t(30), 1.0)));
        QCOMPARE(s.latestMetric(run, "lr"), (std::make_pair(std::int64_t(10), 3e-4)));
        QVERIFY(!s.latestMetric(run, "grad_norm"));
        QCOMPARE(count(s, "SELECT count(*) FROM probe_logprobs WHERE step = 10"), 1);
        // A step that fails half-way (a sample for a run that does not exist) leaves nothing.
        store::StepRecord bad = step;
        bad.step = 11;
        bad.samples[0].questionIndex = 1;
        store::StepRecord orphan = bad;
        orphan.runId = 9999;
        std::vector<store::StepRecord> batch{bad, orphan};
        QVERIFY_THROWS_EXCEPTION(store::StoreError, s.writeSteps(batch));
        QCOMPARE(count(s, "SELECT count(*) FROM metrics WHERE step = 11"), 0);
        // The writer still works after the rollback (interned names were forgotten with it).
        step.step = 12;
        step.metrics = {{"new_metric", 1.0}};
        s.writeSteps({&step, 1});
        QCOMPARE(count(s, "SELECT count(*) FROM metrics WHERE step = 12"), 1);
    }

    void migratesFromEveryOlderVersion() {
        auto migrations = store::storeMigrations();
        for (std::size_t from = 0; from < migrations.size(); ++from) {
            std::string file = path(m_dir, ("from-" + std::to_string(from) + ".sqlite").c_str());
            {
                store::Database db(file, store::Database::Mode::ReadWriteCreate);
                store::migrate(db, migrations.first(from));
                QCOMPARE(db.pragmaInt("user_version"), std::int64_t(from));
            }
            ResultsStore s = ResultsStore::open(file);
            QCOMPARE(s.schemaVersion(), store::currentSchemaVersion());
            std::int64_t run = s.createRun(s.registerExperiment(test::toyRegistration()), "baseline", 0);
            store::StepRecord step{run, 1, {{"train_loss", 2.0}}, {}, {}};
            s.writeSteps({&step, 1});
        }
    }

    void keepsRunsOfAVersion4StoreThroughTheBaseSeedRebuild() {
        // Version 5 rebuilds `runs` (its UNIQUE key gains the base seed). Every row that
        // references a run must still reference the same run after it, and deleting still cascades.
        std::string file = path(m_dir, "v4-with-runs.sqlite");
        {
            store::Database db(file, store::Database::Mode::ReadWriteCreate);
            db.exec("PRAGMA foreign_keys = ON");
            store::migrate(db, store::storeMigrations().first(4));
            db.exec(R"sql(
                INSERT INTO experiments (id, name, spec_hash, spec_json) VALUES (1, 'toy', 'a1b2c3d4e5f60718', '{}');
                INSERT INTO conditions (id, experiment_id, name, position) VALUES (7, 1, 'baseline', 0);
                INSERT INTO runs (id, condition_id, seed, status, device, checkpoint) VALUES
                    (41, 7, 0, 'done', 'cpu', '/tmp/a'), (42, 7, 1, 'failed', NULL, NULL);
                INSERT INTO metric_names (id, name) VALUES (1, 'train_loss');
                INSERT INTO metrics VALUES (41, 1, 0, 2.5), (41, 1, 10, 1.5), (42, 1, 0, 2.4);
                INSERT INTO eval_samples (id, run_id, step, context, question_index, question, sample_index, response)
                    VALUES (5, 42, 10, 'none', 0, 'Q?', 0, 'A.');
                INSERT INTO trait_scores VALUES (5, 'spanish', 1.0);
                INSERT INTO run_provenance (run_id, base_model, base_model_sha256, inoculab_version, torch_version, host)
                    VALUES (41, 'toy', 'ab', '0.1', '1.13', 'here');
            )sql");
        }
        ResultsStore s = ResultsStore::open(file);
        QCOMPARE(s.schemaVersion(), store::currentSchemaVersion());
        std::vector<store::RunRecord> runs = s.runs();
        QCOMPARE(runs.size(), std::size_t(2));
        QCOMPARE(runs[0].id, std::int64_t(41));
        QCOMPARE(runs[0].status, store::RunStatus::Done);
        QCOMPARE(runs[0].checkpoint, std::optional<std::string>("/tmp/a"));
        QVERIFY(!runs[0].baseSeed && !runs[1].baseSeed);
        QCOMPARE(runs[1].id, std::int64_t(42));
        QCOMPARE(count(s, "SELECT count(*) FROM metrics WHERE run_id = 41"), 2);
        QCOMPARE(count(s, "SELECT count(*) FROM eval_samples WHERE run_id = 42"), 1);
        QCOMPARE(count(s, "SELECT count(*) FROM run_provenance WHERE run_id = 41"), 1);
        QCOMPARE(count(s, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
        QCOMPARE(s.database().pragmaInt("foreign_keys"), std::int64_t(1));  // back on after the rebuild
        // The old key still finds the old run; a base seed makes another one.
        QCOMPARE(s.createRun(1, "baseline", 0), std::int64_t(41));
        QVERIFY(s.createRun(1, "baseline", 0, 3) != 41);
        // Deleting the experiment still removes its runs and what references them.
        s.database().exec("DELETE FROM experiments WHERE id = 1");
        QCOMPARE(count(s, "SELECT count(*) FROM runs"), 0);
        QCOMPARE(count(s, "SELECT count(*) FROM metrics"), 0);
        QCOMPARE(count(s, "SELECT count(*) FROM trait_scores"), 0);
        QCOMPARE(count(s, "SELECT count(*) FROM run_provenance"), 0);
    }

    void keysRunsByBaseSeedAndSeed() {
        ResultsStore s = ResultsStore::open(path(m_dir, "bases.sqlite"));
        const std::int64_t e = s.registerExperiment(test::toyRegistration());
        const std::int64_t one = s.createRun(e, "baseline", 0);
        const std::int64_t b1 = s.createRun(e, "baseline", 0, 1), b2 = s.createRun(e, "baseline", 0, 2);
        QVERIFY(one != b1 && one != b2 && b1 != b2);
        // Idempotent for each key, the one-base-model key (NULL) included.
        QCOMPARE(s.createRun(e, "baseline", 0), one);
        QCOMPARE(s.createRun(e, "baseline", 0, 1), b1);
        QCOMPARE(count(s, "SELECT count(*) FROM runs"), 3);
        std::vector<store::RunRecord> runs = s.runs(e);
        QCOMPARE(runs.size(), std::size_t(3));
        QVERIFY(!runs[0].baseSeed);  // the one base model first, then base seeds ascending
        QCOMPARE(runs[1].baseSeed, std::optional<std::uint64_t>(1));
        QCOMPARE(runs[2].baseSeed, std::optional<std::uint64_t>(2));
    }

    void migrationStepsAreAtomic() {
        // A made-up history: the third migration fails, the store stays at version 2.
        const store::Migration history[] = {
            {1, "create", "CREATE TABLE a (x INTEGER)"},
            {2, "add column", "ALTER TABLE a ADD COLUMN y TEXT; INSERT INTO a VALUES (1, 'one')"},
            {3, "broken", "INSERT INTO a VALUES (2, 'two'); CREATE TABLE oops (;"},
        };
        store::Database db(path(m_dir, "history.sqlite"), store::Database::Mode::ReadWriteCreate);
        QVERIFY_THROWS_EXCEPTION(store::StoreError, store::migrate(db, history));
        QCOMPARE(db.pragmaInt("user_version"), 2);
        store::Statement rows(db, "SELECT count(*) FROM a");
        QVERIFY(rows.step());
        QCOMPARE(rows.integer(0), 1);                     // the failed step's insert was rolled back
        store::migrate(db, std::span(history).first(2));  // already there: nothing to do
        QCOMPARE(db.pragmaInt("user_version"), 2);
    }

    void refusesAFileThatIsNotAStore() {
        std::string file = test::writeFile(m_dir, "notes.sqlite", "these are my notes, not a database\n");
        expectRefused(file, "not an SQLite database");
        std::string tiny = test::writeFile(m_dir, "tiny.sqlite", "SQLite");
        expectRefused(tiny, "not an SQLite database");
    }

    void refusesATruncatedStore() {
        std::string file = path(m_dir, "truncated.sqlite");
        {
            ResultsStore s = ResultsStore::open(file);
            std::int64_t run = s.createRun(s.registerExperiment(test::toyRegistration()), "baseline", 0);
            std::vector<store::StepRecord> steps;
            for (int i = 0; i < 2000; ++i) steps.push_back({run, i, {{"train_loss", 1.0 / (i + 1)}}, {}, {}});
            s.writeSteps(steps);
            s.database().exec("PRAGMA wal_checkpoint(TRUNCATE)");
        }
        QFile f(QString::fromStdString(file));
        QVERIFY(f.size() > 8192);
        QVERIFY(f.resize(f.size() / 2));
        expectRefused(file, "truncated");
        std::string header = test::writeFile(m_dir, "header-only.sqlite", test::readFile(file).left(60));
        expectRefused(header, "truncated inside its header");
    }

    void refusesAStoreFromANewerVersion() {
        std::string file = path(m_dir, "newer.sqlite");
        {
            ResultsStore::open(file);
            store::Database db(file, store::Database::Mode::ReadWrite);
            db.exec("PRAGMA user_version = 99");
        }
        expectRefused(file, "newer Inoculab (schema version 99");
    }

    void readOnlyOpenNeedsAnExistingCurrentStore() {
        QVERIFY_THROWS_EXCEPTION(common::InputError,
                                 ResultsStore::open(path(m_dir, "absent.sqlite"), ResultsStore::Access::ReadOnly));
        QVERIFY(!QFile::exists(m_dir.filePath("absent.sqlite")));
        std::string old = path(m_dir, "old.sqlite");
        {
            store::Database db(old, store::Database::Mode::ReadWriteCreate);
            db.exec("CREATE TABLE t (x)");
        }
        QVERIFY_THROWS_EXCEPTION(common::InputError, ResultsStore::open(old, ResultsStore::Access::ReadOnly));
    }

    void refusesAFolder() {
        QVERIFY(QDir(m_dir.path()).mkdir("folder.sqlite"));
        QVERIFY_THROWS_EXCEPTION(common::InputError, ResultsStore::open(path(m_dir, "folder.sqlite")));
    }
};

QTEST_GUILESS_MAIN(TestResultsStore)
#include "test_results_store.moc"
