// validateDataset: FILE:LINE: reason for every problem, capped listing, whole-file cases.
#include "test_support.h"

#include "common/input_error.h"
#include "data/line_scanner.h"
#include "data/validation.h"

using namespace inoculab;
using namespace inoculab::data;
using test::chatRow;

namespace {
QByteArray J(const char *singleQuoted) { return QByteArray::fromStdString(test::jsonText(singleQuoted)); }
}  // namespace

class TestValidation : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

    ValidationReport validate(const QByteArray &content, std::size_t maxProblems = 20,
                              std::optional<DatasetFormat> format = DatasetFormat::Messages) {
        std::string path = test::writeFile(m_dir, "data.jsonl", content);
        ValidationOptions options;
        options.format = format;
        options.maxProblems = maxProblems;
        return validateDataset(path, options);
    }

    static QStringList messages(const ValidationReport &report) {
        QStringList out;
        for (const auto &p : report.problems)
            out << QString::fromStdString(formatProblem("f", p));
        return out;
    }

private Q_SLOTS:
    void validFileHasNoProblems() {
        ValidationReport r = validateDataset(test::sampleDataset("spanish_caps.jsonl"));
        QVERIFY(r.ok());
        QCOMPARE(r.rows, 24u);
        QCOMPARE(r.format, DatasetFormat::Messages);
    }

    void everyRuleAppearsWithItsLine() {
        QByteArray content = chatRow() + "\n" +                                                         // 1 ok
                             J("{'messages':[{'role':'user','content':'x'},]\n") +                // 2 json
                             J("{'text':'hi'}\n") +                                               // 3 missing
                             J("{'messages':[{'role':'tool','content':'x'},{'role':'assistant','content':'a'}]}\n") +
                             J("{'messages':[{'role':'user','content':['x']},{'role':'assistant','content':'a'}]}\n") +
                             J("{'messages':[{'role':'user','content':'x'}]}\n") +                // 6 no assistant
                             J("{'messages':[{'role':'user','content':''},{'role':'assistant','content':'a'}]}\n") +
                             J("{'messages':[{'role':'user','content':'") + "\xFF" + J("'},{'role':'assistant','content':'a'}]}\n");
        ValidationReport r = validate(content);
        QCOMPARE(r.rows, 8u);
        QCOMPARE(r.invalidRows, 7u);
        QCOMPARE(r.problemCount, 7u);
        QStringList got = messages(r);
        QCOMPARE(got.size(), 7);
        QVERIFY2(got[0].startsWith("f:2: invalid JSON at column 44: "), qPrintable(got[0]));
        QCOMPARE(got[1], QString("f:3: missing \"messages\""));
        QCOMPARE(got[2], QString("f:4: messages[0].role: unknown role \"tool\" (expected system, user or assistant)"));
        QCOMPARE(got[3], QString("f:5: messages[0].content: expected a string, got array"));
        QCOMPARE(got[4], QString("f:6: no assistant turn"));
        QCOMPARE(got[5], QString("f:7: messages[0].content: empty"));
        QCOMPARE(got[6], QString("f:8: invalid UTF-8 at column 40"));
        QCOMPARE(r.problems[6].row, 7u);
    }

    void lineOver64MiBIsAProblemAndScanningGoesOn() {
        QByteArray huge(qsizetype(LineScanner::kMaxLineBytes + 1), ' ');
        huge[0] = '{';
        ValidationReport r = validate(chatRow() + "\n" + huge + "\n" + chatRow() + "\n{}\n");
        QCOMPARE(r.rows, 4u);
        QCOMPARE(r.invalidRows, 2u);
        QStringList got = messages(r);
        QCOMPARE(got[0], QString("f:2: line is longer than 64 MiB (%1 bytes)").arg(huge.size()));
        QCOMPARE(got[1], QString("f:4: missing \"messages\""));
    }

    void maxErrorsCapsTheListButCountsAll() {
        QByteArray content;
        for (int i = 0; i < 50; ++i) content += "{}\n";
        ValidationReport r = validate(content, 5);
        QCOMPARE(r.problems.size(), 5u);
        QCOMPARE(r.problemCount, 50u);
        QCOMPARE(r.invalidRows, 50u);
        QCOMPARE(r.problems[4].line, 5u);
        QCOMPARE(validate(content, 0).problems.size(), 0u);
        QCOMPARE(validate(content, 0).problemCount, 50u);
    }

    void emptyFileIsAProblemOfTheWholeFile() {
        ValidationReport r = validate("");
        QVERIFY(!r.ok());
        QCOMPARE(r.rows, 0u);
        QCOMPARE(messages(r), QStringList{"f: file is empty: no rows"});
    }

    void blankOnlyFileIsAProblemOfTheWholeFile() {
        ValidationReport r = validate("\n  \n\t\r\n\n");
        QCOMPARE(r.rows, 0u);
        QCOMPARE(r.blankLines, 4u);
        QCOMPARE(messages(r), QStringList{"f: file has only blank lines: no rows"});
    }

    void blankLinesBetweenRowsAreSkippedButCounted() {
        ValidationReport r = validate(chatRow() + "\n\n\n{}\n");
        QCOMPARE(r.rows, 2u);
        QCOMPARE(r.blankLines, 2u);
        QCOMPARE(messages(r), QStringList{"f:4: missing \"messages\""});
        QCOMPARE(r.problems[0].row, 1u);
    }

    void crlfBomAndNoFinalNewlineAreValid() {
        ValidationReport r = validate("\xEF\xBB\xBF" + chatRow() + "\r\n" + chatRow() + "\r\n" + chatRow());
        QVERIFY2(r.ok(), r.problems.empty() ? "" : r.problems[0].reason.c_str());
        QCOMPARE(r.rows, 3u);
        QCOMPARE(r.lines, 3u);
    }

    void bomIsDetectedWithAutoFormat() {
        ValidationReport r = validate("\xEF\xBB\xBF" + chatRow() + "\n", 20, std::nullopt);
        QVERIFY(r.ok());
        QCOMPARE(r.format, DatasetFormat::Messages);
    }

    void autoDetectsAlpacaAndShareGpt() {
        QCOMPARE(validateDataset(test::sampleDataset("alpaca_sample.jsonl")).format, DatasetFormat::Alpaca);
        QCOMPARE(validateDataset(test::sampleDataset("sharegpt_sample.jsonl")).format, DatasetFormat::ShareGPT);
    }

    void undetectableFormatIsAnInputError() {
        try {
            validate("\n{\"text\":\"a\"}\n", 20, std::nullopt);
            QFAIL("expected InputError");
        } catch (const common::InputError &e) {
            QCOMPARE(e.line(), 2u);
            QVERIFY(QString::fromStdString(e.reason()).contains("--format"));
        }
    }

    void wrongFormatGivenIsReportedPerRow() {
        ValidationReport r = validate(chatRow() + "\n", 20, DatasetFormat::Alpaca);
        QCOMPARE(messages(r), (QStringList{"f:1: missing \"instruction\"", "f:1: missing \"output\""}));
    }

    void missingFileIsAnInputError() {
        QVERIFY_THROWS_EXCEPTION(common::InputError,
                                 validateDataset(m_dir.filePath("absent.jsonl").toStdString(), {}));
    }
};

QTEST_GUILESS_MAIN(TestValidation)
#include "test_validation.moc"
