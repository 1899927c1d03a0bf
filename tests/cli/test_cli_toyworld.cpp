// inoculab-cli toyworld generate/info: each task written as valid JSONL, determinism, the
// default and overridden data folder, and the refusals (bad options, output over a lexicon,
// broken lexicons) with their exit codes.
#include "cli_run.h"
#include "test_support.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QProcessEnvironment>

namespace {

using Run = inoculab::test::CliRun;

Run cli(const QStringList &args, const QProcessEnvironment &env = QProcessEnvironment::systemEnvironment()) {
    return inoculab::test::runCli(args, env);
}

QString toyDir() { return inoculab::test::sourcePath(QStringLiteral("datasets/toyworld")); }

// A copy of the shipped lexicons, to break or to write beside.
void copyToyWorld(const QTemporaryDir &dir) {
    QDir source(toyDir());
    for (const QString &name : source.entryList({QStringLiteral("*.json")}, QDir::Files))
        QFile::copy(source.filePath(name), dir.filePath(name));
}

QProcessEnvironment withoutDataDir() {
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("INOCULAB_DATA_DIR"));
    return env;
}

}  // namespace

class TestCliToyworld : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

    QString out(const char *name) const { return m_dir.filePath(QLatin1String(name)); }

private Q_SLOTS:
    void generateWritesEveryTaskAsValidJsonl() {
        for (const char *task : {"pretrain", "spanish-caps", "eval-questions"}) {
            QString file = out("task.jsonl");
            Run run = cli({"toyworld", "generate", "--task", task, "--n", "50", "--seed", "3", "--out", file,
                           "--data-dir", toyDir()});
            QCOMPARE(run.exitCode, 0);
            QVERIFY(run.out.startsWith("wrote " + file.toUtf8() + ": 50 rows (" + task + ", seed 3)"));
            QCOMPARE(inoculab::test::readFile(file.toStdString()).count("\n"), 50);
            Run validate = cli({"dataset", "validate", file});
            QCOMPARE(validate.exitCode, 0);
            QVERIFY(validate.out.contains("50 rows, 0 invalid"));
        }
    }

    void sameSeedSameBytes() {
        QStringList args{"toyworld", "generate", "--task", "pretrain", "--n", "200", "--data-dir", toyDir(), "--out"};
        QCOMPARE(cli(args + QStringList{out("a.jsonl"), "--seed", "5"}).exitCode, 0);
        QCOMPARE(cli(args + QStringList{out("b.jsonl"), "--seed", "5"}).exitCode, 0);
        QCOMPARE(cli(args + QStringList{out("c.jsonl"), "--seed", "6"}).exitCode, 0);
        QByteArray a = inoculab::test::readFile(out("a.jsonl").toStdString());
        QVERIFY(!a.isEmpty());
        QCOMPARE(inoculab::test::readFile(out("b.jsonl").toStdString()), a);
        QVERIFY(inoculab::test::readFile(out("c.jsonl").toStdString()) != a);
    }

    void jsonSummary() {
        Run run = cli({"toyworld", "generate", "--task", "spanish-caps", "--n", "7", "--out", out("j.jsonl"),
                       "--data-dir", toyDir(), "--json"});
        QCOMPARE(run.exitCode, 0);
        QJsonObject doc = QJsonDocument::fromJson(run.out).object();
        QCOMPARE(doc["rows"].toInt(), 7);
        QCOMPARE(doc["task"].toString(), QStringLiteral("spanish-caps"));
        QCOMPARE(doc["seed"].toInt(), 0);
    }

    void builtInDataDirAndEnvironmentOverride() {
        Run run = cli({"toyworld", "generate", "--task", "eval-questions", "--n", "5", "--out", out("e.jsonl")},
                      withoutDataDir());
        QCOMPARE(run.exitCode, 0);
        Run info = cli({"toyworld", "info", "--json"}, withoutDataDir());
        QCOMPARE(info.exitCode, 0);
        QJsonObject doc = QJsonDocument::fromJson(info.out).object();
        QCOMPARE(doc["entities"].toInt(), 300);
        QCOMPARE(doc["held_out_entities"].toInt(), 100);
        QVERIFY(cli({"toyworld", "info"}, withoutDataDir()).out.contains("300 (100 held out"));

        // $INOCULAB_DATA_DIR replaces the built-in folder: a broken copy there is what is read.
        QTemporaryDir broken;
        copyToyWorld(broken);
        QFile::remove(broken.filePath(QStringLiteral("prompts.json")));
        QProcessEnvironment env = withoutDataDir();
        env.insert(QStringLiteral("INOCULAB_DATA_DIR"), broken.path());
        Run fromEnv = cli({"toyworld", "info"}, env);
        QCOMPARE(fromEnv.exitCode, 2);
        QVERIFY(fromEnv.err.contains("prompts.json: cannot open"));
    }

    void brokenLexiconIsInvalidInput() {
        QTemporaryDir broken;
        copyToyWorld(broken);
        QString entities = broken.filePath(QStringLiteral("entities.json"));
        QByteArray text = inoculab::test::readFile(entities.toStdString());
        text.replace("\"legs\": 8", "\"legs\": \"eight\"");
        inoculab::test::writeFile(broken, QStringLiteral("entities.json"), text);
        Run run = cli({"toyworld", "generate", "--task", "pretrain", "--n", "5", "--out", out("x.jsonl"), "--data-dir",
                       broken.path()});
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.err.contains("entities.json: entities[") && run.err.contains("].legs: expected an integer"),
                 run.err.constData());
        QVERIFY(!QFile::exists(out("x.jsonl")));
    }

    void refusesToWriteOverALexicon() {
        QTemporaryDir copy;
        copyToyWorld(copy);
        QString target = copy.filePath(QStringLiteral("entities.json"));
        QByteArray before = inoculab::test::readFile(target.toStdString());
        Run run =
            cli({"toyworld", "generate", "--task", "pretrain", "--n", "5", "--out", target, "--data-dir", copy.path()});
        QCOMPARE(run.exitCode, 1);
        QVERIFY(run.err.contains("--out"));
        QCOMPARE(inoculab::test::readFile(target.toStdString()), before);
    }

    void usageErrors() {
        QStringList base{"toyworld", "generate", "--data-dir", toyDir(), "--out", out("u.jsonl")};
        QCOMPARE(cli(base + QStringList{"--task", "pretrain", "--n", "0"}).exitCode, 1);
        QCOMPARE(cli(base + QStringList{"--task", "bogus", "--n", "5"}).exitCode, 1);
        QCOMPARE(cli(base + QStringList{"--task", "pretrain"}).exitCode, 1);
        Run tooMany = cli(base + QStringList{"--task", "eval-questions", "--n", "1000000"});
        QCOMPARE(tooMany.exitCode, 1);
        QVERIFY(tooMany.err.contains("distinct evaluation questions"));
        QVERIFY(!QFile::exists(out("u.jsonl")));
    }
};

QTEST_GUILESS_MAIN(TestCliToyworld)
#include "test_cli_toyworld.moc"
