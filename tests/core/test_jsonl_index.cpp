// JsonlIndex: random access by row, line numbers across blank lines, huge rows, changes.
#include "test_support.h"

#include "common/input_error.h"
#include "data/jsonl_index.h"
#include "data/line_scanner.h"

using namespace inoculab;
using data::JsonlIndex;

class TestJsonlIndex : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

private Q_SLOTS:
    void rowsReadBackExactly() {
        QByteArray content = "\xEF\xBB\xBF{\"a\":1}\r\n\n\n{\"b\":2}\n   \n{\"c\":3}";
        JsonlIndex index = JsonlIndex::build(test::writeFile(m_dir, "rows.jsonl", content));
        QCOMPARE(index.rowCount(), 3u);
        QCOMPARE(index.fileSize(), std::uint64_t(content.size()));
        QCOMPARE(index.readRow(0), std::string("{\"a\":1}"));
        QCOMPARE(index.readRow(1), std::string("{\"b\":2}"));
        QCOMPARE(index.readRow(2), std::string("{\"c\":3}"));
        QCOMPARE(index.lineOfRow(0), 1u);
        QCOMPARE(index.lineOfRow(1), 4u);
        QCOMPARE(index.lineOfRow(2), 6u);
        QCOMPARE(index.rowOfLine(4), 1u);
        QCOMPARE(index.rowOfLine(2), index.rowCount());  // a blank line is not a row
        QCOMPARE(index.rowOfLine(0), index.rowCount());
        QCOMPARE(index.rowOfLine(99), index.rowCount());
        QVERIFY_THROWS_EXCEPTION(std::out_of_range, index.readRow(3));
    }

    void lineNumbersMatchAScanAcrossManyBlankRuns() {
        QByteArray content;
        std::vector<std::uint64_t> lineOf;
        std::uint64_t line = 0;
        for (int row = 0; row < 1000; ++row) {
            for (int b = 0; b < (row * 7) % 3; ++b, ++line) content += "\n";
            content += "{\"row\":" + QByteArray::number(row) + "}\n";
            lineOf.push_back(++line);
        }
        JsonlIndex index = JsonlIndex::build(test::writeFile(m_dir, "blanks.jsonl", content));
        QCOMPARE(index.rowCount(), 1000u);
        for (std::uint64_t row = 0; row < 1000; ++row) {
            QCOMPARE(index.lineOfRow(row), lineOf[row]);
            QCOMPARE(index.rowOfLine(lineOf[row]), row);
            QCOMPARE(index.readRow(row), "{\"row\":" + std::to_string(row) + "}");
        }
        // 8 bytes a row plus the sparse jumps, not the content.
        QVERIFY(index.memoryBytes() < 1000 * 8 * 2 + 1000 * 16 * 2);
    }

    void tooLongRowIsIndexedButNotRead() {
        QByteArray huge(qsizetype(data::LineScanner::kMaxLineBytes + 1), 'x');
        JsonlIndex index = JsonlIndex::build(test::writeFile(m_dir, "huge.jsonl", "{}\n" + huge + "\n{\"z\":1}\n"));
        QCOMPARE(index.rowCount(), 3u);
        QVERIFY(index.isTooLong(1));
        QVERIFY(!index.isTooLong(2));
        QVERIFY_THROWS_EXCEPTION(common::InputError, index.readRow(1));
        QCOMPARE(index.readRow(2), std::string("{\"z\":1}"));
    }

    void shrunkFileIsAnInputErrorNotGarbage() {
        std::string path = test::writeFile(m_dir, "shrink.jsonl", "{\"a\":1}\n{\"b\":2}\n");
        JsonlIndex index = JsonlIndex::build(path);
        test::writeFile(m_dir, "shrink.jsonl", "{}\n");
        QVERIFY_THROWS_EXCEPTION(common::InputError, index.readRow(1));
    }

    void cancelStopsTheScan() {
        common::CancelToken cancel;
        cancel.cancel();
        QVERIFY_THROWS_EXCEPTION(common::Cancelled,
                                 JsonlIndex::build(test::sampleDataset("spanish_caps.jsonl"), &cancel));
    }

    void progressEndsAtTheFileSize() {
        std::uint64_t lastDone = 0, lastTotal = 1;
        JsonlIndex index = JsonlIndex::build(test::sampleDataset("spanish_caps.jsonl"), nullptr,
                                             [&](std::uint64_t done, std::uint64_t total) {
                                                 lastDone = done;
                                                 lastTotal = total;
                                             });
        QCOMPARE(lastDone, index.fileSize());
        QCOMPARE(lastTotal, index.fileSize());
    }
};

QTEST_GUILESS_MAIN(TestJsonlIndex)
#include "test_jsonl_index.moc"
