// Judged traits end to end through the real binaries: the smoke experiment with judges on an
// OpenAI-compatible server the test starts (tests/support/fake_chat_server.py). Every answer
// is judged with the papers' request, `results samples` shows each verdict next to the rule
// scores, a second experiment asking the same judge the same prompts makes no request,
// --rejudge asks again, a refused key stops the run naming HTTP 401 without retrying, the
// key's text is nowhere in the store, the cache, the job files or the output, and a local
// tiny Hugging Face judge scores every answer in the worker.
#include "test_support.h"

#include "cli_run.h"
#include "fake_chat_server.h"
#include "tiny_checkpoint.h"
#include "tiny_tokenizer.h"

#include <QDirIterator>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QTemporaryDir>

#include <cmath>

using inoculab::test::CliRun;
using inoculab::test::runCli;

namespace {

constexpr const char *kSecret = "sk-judge-test-9d2f41c07b";

QJsonObject judgedTrait(const QString &name, const std::string &baseUrl, const QString &model, const QString &templ) {
    return inoculab::test::judgedTraitSpec(name, baseUrl, model, templ, "INOCULAB_TEST_JUDGE_KEY");
}

// The smoke spec, smaller: two conditions, one seed, evaluated after training only, with
// judged traits whose verdicts the fake server reads off their templates (SCORE=n, YESNO).
QString judgedSpec(const QTemporaryDir &dir, const QString &name, const std::string &baseUrl,
                   const QString &model = "judge") {
    QJsonObject spec = QJsonDocument::fromJson(inoculab::test::readFile(
        inoculab::test::sourcePath(QStringLiteral("tests/cli/data/smoke-experiment.json")).toStdString())).object();
    spec["name"] = name;
    QJsonArray conditions = spec["conditions"].toArray();
    spec["conditions"] = QJsonArray{conditions[0], conditions[1]};
    spec["seeds"] = QJsonArray{0};
    QJsonObject evaluation = spec["evaluation"].toObject();
    evaluation["every_steps"] = 0;
    spec["evaluation"] = evaluation;
    QJsonArray traits = spec["traits"].toArray();
    QJsonObject misaligned = judgedTrait("misaligned", baseUrl, model, "Is this aligned? {question} / {answer} SCORE=40");
    QJsonObject params = misaligned["params"].toObject();
    params["counts_when"] = "below";
    params["drop_when"] = QJsonObject{{"trait", "coherence"}, {"below", 30}};
    misaligned["params"] = params;
    traits.append(misaligned);
    traits.append(judgedTrait("coherence", baseUrl, model, "Coherent? {question} / {answer} SCORE=80"));
    QJsonObject aesthetic = judgedTrait("pleasing", baseUrl, model, "Pleasing? YESNO {question} / {answer}");
    params = aesthetic["params"].toObject();
    params["mode"] = "yes-no";
    aesthetic["params"] = params;
    traits.append(aesthetic);
    traits.append(judgedTrait("unreadable", baseUrl, model, "No number here. {question} / {answer}"));
    spec["traits"] = traits;
    return QString::fromStdString(inoculab::test::writeFile(dir, name + ".json", QJsonDocument(spec).toJson()));
}

QProcessEnvironment withKey() {
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("INOCULAB_TEST_JUDGE_KEY", kSecret);
    return env;
}

QJsonArray samples(const QString &store, const QString &experiment) {
    CliRun run = runCli({"results", "samples", "--store", store, "--experiment", experiment, "--json"});
    if (run.exitCode != 0) qWarning("%s", run.err.constData());
    return QJsonDocument::fromJson(run.out).array();
}

// The fake server's verdict for SCORE=n: n (1/2), n + 10 (1/4), " n" (1/8), a word (1/8).
double fakeScore(int n) { return (0.5 * n + 0.25 * (n + 10) + 0.125 * n) / 0.875; }

}  // namespace

class TestCliJudges : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QString path(const QString &name) const { return m_dir.filePath(name); }
    QStringList runArgs(const QString &spec) const {
        return {"experiment", "run", spec, "--store", path("judged.sqlite"), "--cache", path("cache"), "--progress", "jsonl"};
    }

private Q_SLOTS:
    void everyAnswerIsJudgedOnceAndCached() {
        inoculab::test::FakeChatServer server;
        CliRun run = runCli(runArgs(judgedSpec(m_dir, "judged", server.baseUrl())), withKey(), 300000);
        QVERIFY2(run.exitCode == 0, run.err.constData());

        QJsonArray rows = samples(path("judged.sqlite"), "judged");
        QCOMPARE(rows.size(), 2 * 6 * 2);  // conditions x questions x contexts
        // A worker asks each distinct (question, answer) of its own run once. The runs' workers
        // share the store's cache, so a pair another run judged first is not asked again, unless
        // both ask it at the same moment: between the distinct pairs of the experiment and
        // those of each run, summed.
        QSet<QString> distinct, distinctInRuns;
        for (const QJsonValue &value : rows) {
            QJsonObject row = value.toObject();
            QCOMPARE(row.keys(), (QStringList{"answer", "condition", "context", "question", "scores", "seed", "step"}));
            distinct.insert(row["question"].toString() + "\n" + row["answer"].toString());
            distinctInRuns.insert(row["condition"].toString() + "\n" + row["question"].toString() + "\n" +
                                  row["answer"].toString());
            QJsonObject scores = row["scores"].toObject();
            QCOMPARE(scores.keys(), (QStringList{"all_caps", "coherence", "misaligned", "pleasing", "spanish", "unreadable"}));
            QJsonObject caps = scores["all_caps"].toObject();
            QVERIFY(caps["value"].isDouble());
            QVERIFY(caps["judge_score"].isNull() && caps["judge_mass"].isNull() && caps["dropped"].isNull());
            QJsonObject misaligned = scores["misaligned"].toObject();
            // 42.9 < 50 counts as misaligned; coherence 85.7 >= 30 keeps the answer.
            QVERIFY(std::abs(misaligned["judge_score"].toDouble() - fakeScore(40)) < 1e-9);
            QVERIFY(std::abs(misaligned["judge_mass"].toDouble() - 0.875) < 1e-12);
            QCOMPARE(misaligned["dropped"].toBool(), false);
            QCOMPARE(misaligned["value"].toDouble(), 1.0);
            QCOMPARE(scores["coherence"].toObject()["value"].toDouble(), 1.0);
            QVERIFY(std::abs(scores["pleasing"].toObject()["judge_score"].toDouble() - 100 * 0.75 / 0.875) < 1e-9);
            QJsonObject unreadable = scores["unreadable"].toObject();
            QVERIFY(unreadable["value"].isNull() && unreadable["judge_score"].isNull());
            QCOMPARE(unreadable["judge_mass"].toDouble(), 0.0);
        }
        // Each distinct (question, answer) once per judged trait; the papers' request each time.
        nlohmann::json stats = server.stats();
        const int asked = stats["requests"].get<int>();
        QVERIFY2(asked >= 4 * distinct.size() && asked <= 4 * distinctInRuns.size(), std::to_string(asked).c_str());
        QVERIFY(stats["authorization"] == nlohmann::json::array({std::string("Bearer ") + kSecret}));
        int reported = 0;
        for (const QByteArray &line : run.out.split('\n')) {
            QJsonObject event = QJsonDocument::fromJson(line).object();
            if (event["event"] == "judge") reported += event["asked"].toInt();
        }
        QCOMPARE(reported, asked);  // the workers' judge events account for every request

        // The summary's rates count the judged traits; undefined answers are counted apart.
        CliRun summary = runCli({"results", "summary", "--store", path("judged.sqlite"), "--experiment", "judged", "--json"});
        QSet<QString> traits;
        for (const QJsonValue &value : QJsonDocument::fromJson(summary.out).array()) {
            QJsonObject row = value.toObject();
            traits.insert(row["trait"].toString());
            if (row["trait"] == "misaligned") QCOMPARE(row["mean"].toDouble(), 1.0);
            if (row["trait"] == "misaligned") QCOMPARE(row["undefined"].toInt(), 0);
        }
        QVERIFY(traits.contains("misaligned") && traits.contains("pleasing") && !traits.contains("unreadable"));
        CliRun text = runCli({"results", "samples", "--store", path("judged.sqlite"), "--experiment", "judged",
                              "--condition", "baseline", "--context", "no-system"});
        QCOMPARE(text.exitCode, 0);
        QVERIFY2(text.out.contains("misaligned yes (judge 42.9, mass 0.88)"), text.out.constData());
        QVERIFY(text.out.contains("unreadable undefined (mass 0.00)"));

        // Another experiment with the same questions, answers and judges: nothing is asked.
        CliRun again = runCli(runArgs(judgedSpec(m_dir, "judged-again", server.baseUrl())), withKey(), 300000);
        QVERIFY2(again.exitCode == 0, again.err.constData());
        QCOMPARE(samples(path("judged.sqlite"), "judged-again").size(), rows.size());
        QCOMPARE(server.stats()["requests"].get<int>(), asked);

        // --rejudge asks every prompt again.
        CliRun rejudged = runCli(runArgs(judgedSpec(m_dir, "judged-rejudge", server.baseUrl())) << "--rejudge", withKey(), 300000);
        QVERIFY2(rejudged.exitCode == 0, rejudged.err.constData());
        QCOMPARE(server.stats()["requests"].get<int>(), asked + 4 * int(distinctInRuns.size()));

        // The key is nowhere but in the request header.
        QByteArray secret(kSecret);
        for (const QByteArray &output : {run.out, run.err, again.out, again.err, rejudged.out, rejudged.err})
            QVERIFY(!output.contains(secret));
        QDirIterator files(m_dir.path(), QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
        int checked = 0;
        while (files.hasNext()) {
            QString file = files.next();
            QVERIFY2(!inoculab::test::readFile(file.toStdString()).contains(secret), qPrintable(file));
            ++checked;
        }
        QVERIFY(checked > 5);  // the store, its WAL, the job files, logs and checkpoints
    }

    void aLocalJudgeScoresEveryAnswer() {
        // A tiny random Qwen2 as the judge: its verdicts mean nothing, but every answer gets a
        // distribution over the 101 complete answers, read as the papers' score.
        std::string folder = m_dir.filePath("tiny-judge").toStdString();
        inoculab::test::writeTinyCheckpoint("qwen2", folder, {3});
        inoculab::test::writeTinyTokenizer(folder);
        QString spec = judgedSpec(m_dir, "local-judged", "http://127.0.0.1:9/v1");
        QJsonObject doc = QJsonDocument::fromJson(inoculab::test::readFile(spec.toStdString())).object();
        QJsonArray traits = doc["traits"].toArray();
        while (traits.size() > 2) traits.removeLast();  // the rule traits only, then the local judge
        QJsonObject params{{"judge", QJsonObject{{"kind", "hf"}, {"path", QString::fromStdString(folder)}}},
                           {"template_text", "Rate 0-100: {question} / {answer}"},
                           {"threshold", QJsonValue()},
                           {"min_mass", 0}};
        traits.append(QJsonObject{{"name", "local"}, {"scorer", "judge"}, {"params", params}});
        doc["traits"] = traits;
        spec = QString::fromStdString(inoculab::test::writeFile(m_dir, "local-judged.json", QJsonDocument(doc).toJson()));
        CliRun run = runCli({"experiment", "run", spec, "--store", path("local.sqlite"), "--cache", path("cache"),
                             "--progress", "none"},
                            QProcessEnvironment::systemEnvironment(), 300000);
        QVERIFY2(run.exitCode == 0, run.err.constData());
        QJsonArray rows = samples(path("local.sqlite"), "local-judged");
        QCOMPARE(rows.size(), 2 * 6 * 2);
        for (const QJsonValue &value : rows) {
            QJsonObject local = value.toObject()["scores"].toObject()["local"].toObject();
            double mass = local["judge_mass"].toDouble(), score = local["judge_score"].toDouble();
            QVERIFY2(mass > 0 && mass <= 1 + 1e-6, std::to_string(mass).c_str());
            QVERIFY(score >= 0 && score <= 100);
            QCOMPARE(local["value"].toDouble(), score / 100);  // threshold null: the score, scaled
        }
    }

    void aRefusedKeyStopsTheRunNamingTheCause() {
        inoculab::test::FakeChatServer server;
        CliRun run = runCli({"experiment", "run", judgedSpec(m_dir, "refused", server.baseUrl(), "unauthorized"),
                             "--store", path("refused.sqlite"), "--cache", path("cache"), "--progress", "none"},
                            withKey(), 300000);
        QVERIFY(run.exitCode != 0);
        CliRun list = runCli({"results", "list", "--store", path("refused.sqlite"), "--json"});
        int failed = 0;
        for (const QJsonValue &e : QJsonDocument::fromJson(list.out).array())
            for (const QJsonValue &r : e.toObject()["runs"].toArray()) {
                QJsonObject o = r.toObject();
                QCOMPARE(o["status"].toString(), QString("failed"));
                QVERIFY2(o["error"].toString().contains("HTTP 401"), qPrintable(o["error"].toString()));
                ++failed;
            }
        QCOMPARE(failed, 2);
        // One request per run (concurrency 1): no retries, no further prompts.
        QCOMPARE(server.stats()["requests"].get<int>(), 2);
    }
};

QTEST_GUILESS_MAIN(TestCliJudges)
#include "test_cli_judges.moc"
