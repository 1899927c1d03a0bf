// Base models as a factor (base_model.pretraining.seeds): `experiment run` pretrains one toy
// base model per base seed, finetunes every condition x base seed x seed, and the summary
// averages each base model's runs before taking the interval across base models. A base model
// is the one a spec naming its seed alone would pretrain: both share the cache and give the
// same run, bit for bit.
#include "test_support.h"

#include "cli_run.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QSet>

#include <algorithm>
#include <functional>

using inoculab::test::runCli;

namespace {

QString smokeSpec() { return inoculab::test::sourcePath(QStringLiteral("tests/cli/data/smoke-experiment.json")); }

// The smoke spec with two conditions and `edit` applied, written into `dir`.
QString variant(const QTemporaryDir &dir, const QString &name, const std::function<void(QJsonObject &)> &edit) {
    QJsonObject spec = QJsonDocument::fromJson(inoculab::test::readFile(smokeSpec().toStdString())).object();
    QJsonArray conditions = spec["conditions"].toArray();
    spec["conditions"] = QJsonArray{conditions[0], conditions[1]};  // baseline, inoc-spanish
    edit(spec);
    return QString::fromStdString(inoculab::test::writeFile(dir, name, QJsonDocument(spec).toJson()));
}

void setPretrainingSeeds(QJsonObject &spec, const QJsonValue &seeds, const char *key) {
    QJsonObject base = spec["base_model"].toObject();
    QJsonObject pretraining = base["pretraining"].toObject();
    pretraining.remove("seed");
    pretraining[key] = seeds;
    base["pretraining"] = pretraining;
    spec["base_model"] = base;
}

QJsonArray summary(const QString &store, const QStringList &extra = {}) {
    auto run = runCli(QStringList{"results", "summary", "--store", store, "--experiment", "smoke", "--json"} + extra);
    if (run.exitCode != 0) qWarning("%s", run.err.constData());
    return QJsonDocument::fromJson(run.out).array();
}

}  // namespace

class TestCliBaseSeeds : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QString m_spec;

    QString path(const char *name) const { return m_dir.filePath(QLatin1String(name)); }

private Q_SLOTS:
    void initTestCase() {
        m_spec = variant(m_dir, "bases.json", [](QJsonObject &s) { setPretrainingSeeds(s, QJsonArray{0, 1}, "seeds"); });
    }

    void eachBaseModelIsPretrainedAndEveryRunIsKeyedByIt() {
        auto run = runCli({"experiment", "run", m_spec, "--store", path("a.sqlite"), "--cache", path("cache"),
                           "--progress", "jsonl", "--jobs", "2"},
                          QProcessEnvironment::systemEnvironment(), 300000);
        QVERIFY2(run.exitCode == 0, run.err.constData());
        QSet<QString> done;
        for (const QByteArray &line : run.out.split('\n')) {
            const QJsonObject event = QJsonDocument::fromJson(line).object();
            if (event.value("event") == "done" && event.value("status") == "done")
                done.insert(event.value("run").toString());
        }
        // Two base models, then 2 conditions x 2 base models x 2 seeds.
        QCOMPARE(done.size(), 2 + 8);
        QVERIFY(done.contains("pretrain/base0") && done.contains("pretrain/base1"));
        QVERIFY(done.contains("inoc-spanish/base1/seed0"));
        // Two base models in the cache, with different weights; the run folders name the base.
        const QStringList bases = QDir(path("cache") + "/base").entryList(QDir::Dirs | QDir::NoDotAndDotDot);
        QCOMPARE(bases.size(), 2);
        QVERIFY(inoculab::test::readFile((path("cache") + "/base/" + bases[0] + "/model.safetensors").toStdString()) !=
                inoculab::test::readFile((path("cache") + "/base/" + bases[1] + "/model.safetensors").toStdString()));

        auto list = runCli({"results", "list", "--store", path("a.sqlite"), "--json"});
        QCOMPARE(list.exitCode, 0);
        const QJsonArray runs = QJsonDocument::fromJson(list.out).array()[0].toObject()["runs"].toArray();
        QCOMPARE(runs.size(), 8);
        QMap<int, int> perBase;
        for (const QJsonValue &r : runs) {
            QCOMPARE(r["status"].toString(), QString("done"));
            ++perBase[r["base_seed"].toInt(-1)];
        }
        QCOMPARE(perBase, (QMap<int, int>{{0, 4}, {1, 4}}));

        const QJsonArray rows = summary(path("a.sqlite"));
        QCOMPARE(rows.size(), 2 * 2 * 2);  // condition x context x trait
        for (const QJsonValue &value : rows) {
            const QJsonObject row = value.toObject();
            QCOMPARE(row["n_base_models"].toInt(), 2);
            QCOMPARE(row["n_seeds"].toInt(), 4);
            QCOMPARE(row["base_seeds"].toArray(), (QJsonArray{0, 0, 1, 1}));
            QCOMPARE(row["seeds"].toArray(), (QJsonArray{0, 1, 0, 1}));
            const QJsonArray v = row["per_seed"].toArray();
            // Each base model's mean first (the same sums in float64 as the store's), then
            // across the two. A percentile bootstrap of two values' mean puts a quarter of its
            // 2,000 resamples on each value, so its 95% bounds are the two base means.
            const double base0 = (v[0].toDouble() + v[1].toDouble()) / 2, base1 = (v[2].toDouble() + v[3].toDouble()) / 2;
            QVERIFY(std::abs(row["mean"].toDouble() - (base0 + base1) / 2) <= 1e-15);
            QVERIFY(std::abs(row["ci_low"].toDouble() - std::min(base0, base1)) <= 1e-15);
            QVERIFY(std::abs(row["ci_high"].toDouble() - std::max(base0, base1)) <= 1e-15);
        }
        auto text = runCli({"results", "summary", "--store", path("a.sqlite"), "--experiment", "smoke"});
        QVERIFY2(text.out.contains("2 base models: the mean and 95% CI are across base models"), text.out.constData());
        QVERIFY(text.out.contains("b1/0:"));

        // Done runs are skipped; nothing is pretrained or trained again.
        auto again = runCli({"experiment", "run", m_spec, "--store", path("a.sqlite"), "--cache", path("cache"),
                             "--progress", "jsonl", "--jobs", "2"});
        QCOMPARE(again.exitCode, 0);
        QVERIFY(!again.out.contains("\"step\""));
    }

    void aBaseModelIsTheOneItsSeedAloneWouldGive() {
        // The same spec naming only pretraining seed 1: its base model is already in the cache
        // (no pretraining), and its baseline seed 1 run is the multi-base run's, to the bit.
        const QString one = variant(m_dir, "one.json", [](QJsonObject &s) { setPretrainingSeeds(s, 1, "seed"); });
        auto run = runCli({"experiment", "run", one, "--store", path("one.sqlite"), "--cache", path("cache"),
                           "--progress", "jsonl", "--jobs", "2", "--conditions", "baseline", "--seeds", "1"},
                          QProcessEnvironment::systemEnvironment(), 300000);
        QVERIFY2(run.exitCode == 0, run.err.constData());
        QVERIFY(!run.out.contains("\"pretrain\""));
        const QJsonArray single = summary(path("one.sqlite"), {"--context", "no-system"});
        const QJsonArray several = summary(path("a.sqlite"), {"--context", "no-system"});
        QVERIFY(!single.isEmpty());
        for (const QJsonValue &value : single) {
            const QJsonObject row = value.toObject();
            QCOMPARE(row["n_base_models"].toInt(), 1);
            QCOMPARE(row["base_seeds"].toArray(), (QJsonArray{QJsonValue::Null}));
            bool found = false;
            for (const QJsonValue &other : several) {
                const QJsonObject o = other.toObject();
                if (o["condition"] != row["condition"] || o["trait"] != row["trait"]) continue;
                QCOMPARE(o["per_seed"].toArray()[3].toDouble(), row["per_seed"].toArray()[0].toDouble());  // base 1 seed 1
                found = true;
            }
            QVERIFY(found);
        }
    }

    void baseSeedsAreChosenAndCheckedOnTheCommandLine() {
        // --base-seeds narrows the runs; what the spec does not name is refused.
        auto narrowed = runCli({"experiment", "run", m_spec, "--store", path("b.sqlite"), "--cache", path("cache"),
                                "--progress", "jsonl", "--jobs", "2", "--base-seeds", "1", "--conditions", "baseline",
                                "--seeds", "0"});
        QVERIFY2(narrowed.exitCode == 0, narrowed.err.constData());
        auto list = runCli({"results", "list", "--store", path("b.sqlite"), "--json"});
        const QJsonArray runs = QJsonDocument::fromJson(list.out).array()[0].toObject()["runs"].toArray();
        QCOMPARE(runs.size(), 1);
        QCOMPARE(runs[0]["base_seed"].toInt(), 1);

        auto unknown = runCli({"experiment", "run", m_spec, "--store", path("c.sqlite"), "--base-seeds", "5"});
        QCOMPARE(unknown.exitCode, 1);
        QVERIFY2(unknown.err.contains("--base-seeds: 5 is not one of the spec's base models"), unknown.err.constData());
        auto notASeed = runCli({"experiment", "run", m_spec, "--store", path("c.sqlite"), "--base-seeds", "x"});
        QVERIFY(notASeed.err.contains("--base-seeds: \"x\" is not a seed"));
        auto oneBase = runCli({"experiment", "run", smokeSpec(), "--store", path("c.sqlite"), "--base-seeds", "0"});
        QCOMPARE(oneBase.exitCode, 1);
        QVERIFY(oneBase.err.contains("the spec names one base model"));
        auto slurm = runCli({"experiment", "run", m_spec, "--store", path("c.sqlite"), "--backend", "slurm",
                             "--work-dir", path("work")});
        QCOMPARE(slurm.exitCode, 1);
        QVERIFY(slurm.err.contains("only the local backend runs so far"));
        QVERIFY(!QFile::exists(path("c.sqlite")));  // refused before the store was touched
    }

    void aWorkerJobMustSayWhichBaseModel() {
        for (const auto &[extra, message] :
             std::vector<std::pair<QJsonObject, QByteArray>>{
                 {{}, "names several base models: the job needs base_seed"},
                 {{{"base_seed", 4}}, "base_seed 4: not one of the spec's base models"}}) {
            QJsonObject job{{"kind", "finetune"}, {"spec", m_spec},           {"store", path("w.sqlite")},
                            {"condition", "baseline"}, {"seed", 0}, {"cache", path("cache")}};
            for (auto it = extra.begin(); it != extra.end(); ++it) job[it.key()] = it.value();
            const std::string file = inoculab::test::writeFile(m_dir, "job.json", QJsonDocument(job).toJson());
            auto run = runCli({"worker", "--job", QString::fromStdString(file)});
            QVERIFY(run.exitCode != 0);
            QVERIFY2(run.err.contains(message), run.err.constData());
        }
    }
};

QTEST_GUILESS_MAIN(TestCliBaseSeeds)
#include "test_cli_base_seeds.moc"
