// `inoculab-cli experiment elicit` end to end on the smoke experiment: every candidate prompt
// is scored on the same training rows and the same questions; the traits' rates are those of
// the answers a finetuning run's step-0 evaluation (the base model) gives under the same
// context, recomputed here from `results samples`; judged traits are asked of the judge once
// and then read from the store's cache, with the key nowhere in what the check leaves behind.
#include "test_support.h"

#include "cli_run.h"
#include "fake_chat_server.h"

#include <QDirIterator>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QTemporaryDir>

#include <cmath>

using inoculab::test::CliRun;
using inoculab::test::runCli;

namespace {

constexpr const char *kSecret = "sk-elicit-test-51c3e0a9";
const QString kSpanish = QStringLiteral("You always speak in Spanish.");

QJsonObject smoke() {
    return QJsonDocument::fromJson(inoculab::test::readFile(
                                       inoculab::test::sourcePath(QStringLiteral("tests/cli/data/smoke-experiment.json")).toStdString()))
        .object();
}

QString write(const QTemporaryDir &dir, const QString &name, const QJsonObject &spec) {
    return QString::fromStdString(inoculab::test::writeFile(dir, name + ".json", QJsonDocument(spec).toJson()));
}

// The smoke spec with one test-time context, and only its baseline's seed 0 to train.
QString oneContextSpec(const QTemporaryDir &dir, const QString &name, const QJsonValue &systemPrompt) {
    QJsonObject spec = smoke();
    spec["name"] = name;
    spec["conditions"] = QJsonArray{spec["conditions"].toArray()[0]};
    spec["seeds"] = QJsonArray{0};
    QJsonObject evaluation = spec["evaluation"].toObject();
    evaluation["contexts"] = QJsonArray{QJsonObject{{"name", "only"}, {"system_prompt", systemPrompt}}};
    spec["evaluation"] = evaluation;
    return write(dir, name, spec);
}

// A trait's rate with questions as the unit: each question's answers averaged, then the
// questions (elicitation_stats.h), from `results samples --json` rows.
double rateOf(const QJsonArray &rows, const QString &trait) {
    QMap<QString, QPair<double, int>> perQuestion;
    for (const QJsonValue &v : rows) {
        QJsonObject row = v.toObject();
        auto &[sum, count] = perQuestion[row["question"].toString()];
        sum += row["scores"].toObject()[trait].toObject()["value"].toDouble();
        ++count;
    }
    double total = 0;
    for (const auto &[sum, count] : perQuestion) total += sum / count;
    return total / perQuestion.size();
}

QJsonArray elicitJson(const CliRun &run) {
    if (run.exitCode != 0) qWarning("%s", run.err.constData());
    return QJsonDocument::fromJson(run.out).array();
}

}  // namespace

class TestCliElicit : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QString path(const QString &name) const { return m_dir.filePath(name); }

private Q_SLOTS:
    void everyPromptOnTheSameRowsAndQuestions() {
        const QString spec = inoculab::test::sourcePath(QStringLiteral("tests/cli/data/smoke-experiment.json"));
        CliRun run = runCli({"experiment", "elicit", spec, "--rows", "16", "--traits", "--cache", path("cache"), "--json"},
                            QProcessEnvironment::systemEnvironment(), 300000);
        QJsonArray results = elicitJson(run);
        // The spec's three condition prompts, in spec order, each naming its condition.
        QCOMPARE(results.size(), 3);
        const QStringList conditions{"inoc-spanish", "inoc-caps", "control"};
        QJsonObject first = results[0].toObject();
        for (int i = 0; i < results.size(); ++i) {
            QJsonObject r = results[i].toObject();
            QCOMPARE(r["conditions"].toArray(), QJsonArray{conditions[i]});
            QCOMPARE(r["rows"].toInt(), 16);
            QCOMPARE(r["loss_without"].toDouble(), first["loss_without"].toDouble());
            QVERIFY(std::abs(r["drop"].toDouble() - (r["loss_without"].toDouble() - r["loss_with"].toDouble())) < 1e-12);
            QJsonObject perRow = r["per_row"].toObject();
            QCOMPARE(perRow["mean_change"].toObject()["n"].toInt(), 16);
            double raised = perRow["share_positive"].toObject()["mean"].toDouble();
            QVERIFY(raised >= 0 && raised <= 1 && std::abs(raised * 16 - std::round(raised * 16)) < 1e-12);
            QVERIFY(perRow["spread"].toObject()["mean"].toDouble() > 0);

            QJsonArray traits = r["traits"].toArray();
            QCOMPARE(traits.size(), 2);
            for (int t = 0; t < traits.size(); ++t) {
                QJsonObject trait = traits[t].toObject();
                QCOMPARE(trait["trait"].toString(), QStringList({"spanish", "all_caps"})[t]);
                // 6 questions, 1 answer each, every answer scored by a rule scorer.
                QCOMPARE(trait["answers_without"].toInt(), 6);
                QCOMPARE(trait["answers_with"].toInt(), 6);
                QCOMPARE(trait["unscored_with"].toInt(), 0);
                double without = trait["without"].toObject()["mean"].toDouble();
                double with = trait["with"].toObject()["mean"].toDouble();
                // Nothing unscored: the paired difference is the difference of the rates.
                QVERIFY(std::abs(trait["elicitation"].toObject()["mean"].toDouble() - (with - without)) < 1e-12);
                // The no-prompt arm is the same answers for every prompt.
                QCOMPARE(trait["without"], first["traits"].toArray()[t].toObject()["without"]);
            }
        }

        // The rates are those of the base model's answers under each context: a baseline run's
        // step-0 evaluation (seed 0, one context) samples with the same seed, so it gives the
        // same answers, stored and scored the usual way.
        const QJsonObject spanishArm = results[0].toObject()["traits"].toArray()[0].toObject();
        const QJsonObject capsArm = results[0].toObject()["traits"].toArray()[1].toObject();
        struct Arm { QString name; QJsonValue prompt; QString side; };
        for (const Arm &arm : {Arm{"arm-none", QJsonValue(), "without"}, Arm{"arm-spanish", kSpanish, "with"}}) {
            QString armSpec = oneContextSpec(m_dir, arm.name, arm.prompt);
            CliRun train = runCli({"experiment", "run", armSpec, "--store", path("arms.sqlite"), "--cache", path("cache"),
                                   "--jobs", "1", "--progress", "none"},
                                  QProcessEnvironment::systemEnvironment(), 300000);
            QVERIFY2(train.exitCode == 0, train.err.constData());
            CliRun samples = runCli({"results", "samples", "--store", path("arms.sqlite"), "--experiment", arm.name,
                                     "--step", "0", "--json"});
            QJsonArray rows = QJsonDocument::fromJson(samples.out).array();
            QCOMPARE(rows.size(), 6);
            QVERIFY(std::abs(rateOf(rows, "spanish") - spanishArm[arm.side].toObject()["mean"].toDouble()) < 1e-12);
            QVERIFY(std::abs(rateOf(rows, "all_caps") - capsArm[arm.side].toObject()["mean"].toDouble()) < 1e-12);
        }

        // --prompt checks that prompt alone; the text form names every number.
        CliRun text = runCli({"experiment", "elicit", spec, "--rows", "8", "--prompt", "Answer briefly.", "--cache",
                              path("cache")},
                             QProcessEnvironment::systemEnvironment(), 300000);
        QVERIFY2(text.exitCode == 0, text.err.constData());
        QVERIFY2(text.out.startsWith("\"Answer briefly.\"\n  loss "), text.out.constData());
        QVERIFY(text.out.contains("on 8 rows") && text.out.contains("rows raised"));
        CliRun empty = runCli({"experiment", "elicit", spec, "--prompt", ""});
        QCOMPARE(empty.exitCode, 1);
        QVERIFY2(empty.err.contains("--prompt"), empty.err.constData());
    }

    void judgedTraitsAreAskedOnceThenCached() {
        inoculab::test::FakeChatServer server;
        QJsonObject spec = smoke();
        spec["name"] = "elicit-judged";
        QJsonArray traits = spec["traits"].toArray();
        QJsonObject misaligned = inoculab::test::judgedTraitSpec("misaligned", server.baseUrl(), "judge",
                                                                 "Aligned? {question} / {answer} SCORE=40", "INOCULAB_TEST_JUDGE_KEY");
        QJsonObject params = misaligned["params"].toObject();
        params["counts_when"] = "below";  // 42.9 < 50: every answer counts
        misaligned["params"] = params;
        traits.append(misaligned);
        traits.append(inoculab::test::judgedTraitSpec("unreadable", server.baseUrl(), "judge",
                                                      "No number. {question} / {answer}", "INOCULAB_TEST_JUDGE_KEY"));
        spec["traits"] = traits;
        const QString file = write(m_dir, "elicit-judged", spec);
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert("INOCULAB_TEST_JUDGE_KEY", kSecret);
        const QStringList args{"experiment", "elicit", file, "--prompt", kSpanish, "--rows", "8", "--traits",
                               "--store", path("judged.sqlite"), "--cache", path("cache"), "--json"};

        CliRun run = runCli(args, env, 300000);
        QJsonArray results = elicitJson(run);
        QCOMPARE(results.size(), 1);
        QCOMPARE(results[0].toObject()["conditions"].toArray(), QJsonArray{"inoc-spanish"});
        QJsonArray measured = results[0].toObject()["traits"].toArray();
        QCOMPARE(measured.size(), 4);
        QJsonObject m = measured[2].toObject(), u = measured[3].toObject();
        QCOMPARE(m["trait"].toString(), QString("misaligned"));
        QCOMPARE(m["without"].toObject()["mean"].toDouble(), 1.0);
        QCOMPARE(m["with"].toObject()["mean"].toDouble(), 1.0);
        QCOMPARE(m["elicitation"].toObject()["mean"].toDouble(), 0.0);
        // No mass on a number: every answer unscored, no rate invented.
        QVERIFY(u["without"].toObject()["mean"].isNull() && u["elicitation"].toObject()["mean"].isNull());
        QCOMPARE(u["unscored_without"].toInt(), 6);
        QCOMPARE(u["unscored_with"].toInt(), 6);
        // Two judged traits, at most 12 distinct answers each (6 questions, 2 arms).
        const int asked = server.stats()["requests"].get<int>();
        QVERIFY2(asked >= 2 && asked <= 24, std::to_string(asked).c_str());

        // Again: every verdict comes from the store, the numbers are the same.
        CliRun again = runCli(args, env, 300000);
        QCOMPARE(elicitJson(again), results);
        QCOMPARE(server.stats()["requests"].get<int>(), asked);

        const QByteArray secret(kSecret);
        for (const QByteArray &output : {run.out, run.err, again.out, again.err}) QVERIFY(!output.contains(secret));
        QDirIterator files(m_dir.path(), QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
        while (files.hasNext()) {
            QString f = files.next();
            QVERIFY2(!inoculab::test::readFile(f.toStdString()).contains(secret), qPrintable(f));
        }
    }
};

QTEST_GUILESS_MAIN(TestCliElicit)
#include "test_cli_elicit.moc"
