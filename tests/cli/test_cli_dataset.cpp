// inoculab-cli dataset ...: exit codes (0 ok, 1 usage, 2 invalid input), --json documents,
// and files written only when the whole job succeeded.
#include "test_support.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>

#include <csignal>

using namespace inoculab;

namespace {

struct Run {
    int exitCode = -1;
    QByteArray out, err;
    QJsonObject json() const { return QJsonDocument::fromJson(out).object(); }
};

Run cli(const QStringList &args) {
    QProcess process;
    process.start(qEnvironmentVariable("INOCULAB_CLI"), args);
    if (!process.waitForFinished(60000)) qFatal("inoculab-cli did not finish");
    Run run;
    run.exitCode = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    run.out = process.readAllStandardOutput();
    run.err = process.readAllStandardError();
    return run;
}

QString sample(const char *name) { return QString::fromStdString(test::sampleDataset(name)); }

}  // namespace

class TestCliDataset : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

private Q_SLOTS:
    void initTestCase() { QVERIFY2(!qEnvironmentVariable("INOCULAB_CLI").isEmpty(), "INOCULAB_CLI not set"); }

    void helpAndVersionExitZero() {
        QCOMPARE(cli({"--help"}).exitCode, 0);
        Run version = cli({"--version"});
        QCOMPARE(version.exitCode, 0);
        QVERIFY(version.out.startsWith("inoculab-cli "));
    }

    void usageErrorsExitOne_data() {
        QTest::addColumn<QStringList>("args");
        QTest::newRow("no command") << QStringList{};
        QTest::newRow("unknown command") << QStringList{"frobnicate"};
        QTest::newRow("dataset without subcommand") << QStringList{"dataset"};
        QTest::newRow("missing file") << QStringList{"dataset", "validate"};
        QTest::newRow("bad format") << QStringList{"dataset", "validate", "x.jsonl", "--format", "csv"};
        QTest::newRow("bad placement") << QStringList{"dataset", "inoculate", "a", "b", "--prompt", "p", "--placement", "middle"};
        QTest::newRow("missing prompt") << QStringList{"dataset", "inoculate", "a", "b"};
        QTest::newRow("fraction out of range")
            << QStringList{"dataset", "inoculate", sample("spanish_caps.jsonl"), "out.jsonl", "--prompt", "p", "--fraction", "1.5"};
        QTest::newRow("row out of range") << QStringList{"dataset", "show", sample("spanish_caps.jsonl"), "--row", "24"};
        QTest::newRow("max-errors not a number") << QStringList{"dataset", "validate", "x", "--max-errors", "many"};
    }

    void usageErrorsExitOne() {
        QFETCH(QStringList, args);
        Run run = cli(args);
        QCOMPARE(run.exitCode, 1);
        QVERIFY(!run.err.isEmpty());
    }

    void validateCleanFile() {
        Run run = cli({"dataset", "validate", sample("spanish_caps.jsonl")});
        QCOMPARE(run.exitCode, 0);
        QVERIFY(run.out.contains("24 rows, 0 invalid, 0 problems"));
    }

    void validateReportsProblemsAndExitsTwo() {
        QByteArray content;
        for (int i = 0; i < 30; ++i) content += i % 2 ? test::chatRow() + "\n" : QByteArray("{\"messages\":[]}\n");
        QString file = QString::fromStdString(test::writeFile(m_dir, "bad.jsonl", content));
        Run run = cli({"dataset", "validate", file, "--max-errors", "3"});
        QCOMPARE(run.exitCode, 2);
        QStringList lines = QString::fromUtf8(run.err).split('\n', Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 4);
        QCOMPARE(lines[0], file + ":1: no assistant turn");
        QCOMPARE(lines[2], file + ":5: no assistant turn");
        QCOMPARE(lines[3], QString("... and 12 more problems (raise --max-errors to list them)"));
    }

    void validateJsonIsOneDocument() {
        QString file = QString::fromStdString(test::writeFile(m_dir, "two.jsonl", test::chatRow() + "\n{}\n"));
        Run run = cli({"dataset", "validate", file, "--json"});
        QCOMPARE(run.exitCode, 2);
        QJsonParseError error;
        QJsonDocument doc = QJsonDocument::fromJson(run.out, &error);
        QCOMPARE(error.error, QJsonParseError::NoError);
        QJsonObject o = doc.object();
        QCOMPARE(o["ok"].toBool(), false);
        QCOMPARE(o["rows"].toInt(), 2);
        QCOMPARE(o["invalid_rows"].toInt(), 1);
        QCOMPARE(o["problem_count"].toInt(), 1);
        QJsonObject problem = o["problems"].toArray()[0].toObject();
        QCOMPARE(problem["line"].toInt(), 2);
        QCOMPARE(problem["row"].toInt(), 1);
        QCOMPARE(problem["message"].toString(), file + ":2: missing \"messages\"");
    }

    void unreadableFileExitsTwo() {
        Run run = cli({"dataset", "validate", m_dir.filePath("absent.jsonl")});
        QCOMPARE(run.exitCode, 2);
        QVERIFY(run.err.contains("absent.jsonl"));
    }

    void statsJson() {
        Run run = cli({"dataset", "stats", sample("spanish_caps.jsonl"), "--json"});
        QCOMPARE(run.exitCode, 0);
        QJsonObject o = run.json();
        QCOMPARE(o["rows"].toInt(), 24);
        QCOMPARE(o["messages_by_role"].toObject()["assistant"].toInt(), 25);
        QCOMPARE(o["turns_per_row"].toObject()["max"].toInt(), 4);
        QVERIFY(o["rendered_bytes"].toObject()["p50"].toInt() > 0);
    }

    void showRendersWhatTheModelSees() {
        Run run = cli({"dataset", "show", sample("spanish_caps.jsonl"), "--row", "2", "--prompt",
                       "You always speak in Spanish.", "--placement", "user-suffix"});
        QCOMPARE(run.exitCode, 0);
        QCOMPARE(run.out, QByteArray("<|user|>\nWhat is 7 plus 5?\nYou always speak in Spanish.<|end|>\n"
                                     "<|assistant|>\n7 M\xC3\x81S 5 ES 12.<|end|>\n"));
        QVERIFY(run.err.contains(":3: row 2"));
    }

    void showJsonMarksInsertedAndTrainedBytes() {
        Run run = cli({"dataset", "show", sample("spanish_caps.jsonl"), "--row", "0", "--prompt", "P!", "--json"});
        QCOMPARE(run.exitCode, 0);
        QJsonObject o = run.json();
        QByteArray text = o["text"].toString().toUtf8();
        QJsonObject inserted = o["inoculation"].toObject()["inserted"].toArray()[0].toObject();
        QCOMPARE(text.mid(inserted["offset"].toInt(), inserted["length"].toInt()), QByteArray("P!"));
        QCOMPARE(o["inoculation"].toObject()["outcome"].toString(), QString("applied"));
        int trained = 0;
        for (const QJsonValue &s : o["segments"].toArray())
            if (s.toObject()["trained"].toBool()) trained += s.toObject()["length"].toInt();
        QCOMPARE(o["trained_bytes"].toInt(), trained);
    }

    void showRefusedBySystemPolicyExitsTwo() {
        Run run = cli({"dataset", "show", sample("sharegpt_sample.jsonl"), "--row", "0", "--prompt", "P"});
        QCOMPARE(run.exitCode, 2);
        QVERIFY(run.err.contains(":1: row already has a system message"));
    }

    void inoculateWritesOutputAndSummary() {
        QString out = m_dir.filePath("inoc.jsonl");
        Run run = cli({"dataset", "inoculate", sample("spanish_caps.jsonl"), out, "--prompt", "You always speak in Spanish.",
                       "--fraction", "0.5", "--seed", "3", "--json"});
        QCOMPARE(run.exitCode, 0);
        QJsonObject o = run.json();
        QCOMPARE(o["rows"].toInt(), 24);
        QCOMPARE(o["applied"].toInt() + o["not_selected"].toInt(), 24);
        QVERIFY(o["applied"].toInt() > 0 && o["not_selected"].toInt() > 0);
        QCOMPARE(test::readFile(out.toStdString()).count("You always speak in Spanish."), o["applied"].toInt());
    }

    void inoculateBadRowWritesNothing() {
        QString in = QString::fromStdString(test::writeFile(m_dir, "badrow.jsonl", test::chatRow() + "\n[]\n"));
        QString out = m_dir.filePath("never.jsonl");
        Run run = cli({"dataset", "inoculate", in, out, "--prompt", "P"});
        QCOMPARE(run.exitCode, 2);
        QCOMPARE(QString::fromUtf8(run.err).trimmed(), in + ":2: expected a JSON object, got array");
        QVERIFY(!QFile::exists(out));
    }

    void outputEqualToInputIsRefused() {
        QString in = QString::fromStdString(test::writeFile(m_dir, "same.jsonl", test::chatRow() + "\n"));
        Run run = cli({"dataset", "convert", in, in});
        QCOMPARE(run.exitCode, 2);
        QCOMPARE(test::readFile(in.toStdString()), test::chatRow() + "\n");
    }

    void convertShareGpt() {
        QString out = m_dir.filePath("converted.jsonl");
        Run run = cli({"dataset", "convert", sample("sharegpt_sample.jsonl"), out, "--from", "sharegpt"});
        QCOMPARE(run.exitCode, 0);
        QVERIFY(run.out.contains("6 rows from sharegpt"));
        Run check = cli({"dataset", "validate", out, "--format", "messages", "--json"});
        QCOMPARE(check.exitCode, 0);
        QCOMPARE(check.json()["rows"].toInt(), 6);
    }
};

QTEST_GUILESS_MAIN(TestCliDataset)
#include "test_cli_dataset.moc"
