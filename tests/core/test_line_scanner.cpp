// LineScanner: the awkward inputs every dataset tool meets (BOM, CRLF, no final newline,
// blank lines, huge lines, chunk boundaries).
#include "test_support.h"

#include "common/input_error.h"
#include "data/line_scanner.h"

using namespace inoculab;
using data::Line;
using data::LineScanner;

namespace {

struct Scanned {
    std::string text;
    std::uint64_t number, offset, length;
    bool blank, tooLong;
};

std::vector<Scanned> scanAll(const std::string &path, std::size_t chunk = 8u << 20) {
    LineScanner scanner(path, chunk);
    std::vector<Scanned> out;
    Line line;
    while (scanner.next(line)) {
        out.push_back({std::string(line.text), line.number, line.offset, line.length, line.blank, line.tooLong});
        // simdjson reads past the end: the padding must be there and be readable.
        if (!line.tooLong) {
            volatile char past = line.text.data()[line.text.size() + LineScanner::kPadding - 1];
            (void)past;
        }
    }
    return out;
}

}  // namespace

class TestLineScanner : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

private Q_SLOTS:
    void emptyFileHasNoLines() {
        auto lines = scanAll(test::writeFile(m_dir, "empty.jsonl", ""));
        QCOMPARE(lines.size(), 0u);
    }

    void lastLineWithoutNewlineIsALine() {
        auto lines = scanAll(test::writeFile(m_dir, "nofinal.jsonl", "a\nbc"));
        QCOMPARE(lines.size(), 2u);
        QCOMPARE(lines[1].text, std::string("bc"));
        QCOMPARE(lines[1].number, 2u);
        QCOMPARE(lines[1].offset, 2u);
    }

    void finalNewlineDoesNotMakeAnExtraLine() {
        auto lines = scanAll(test::writeFile(m_dir, "final.jsonl", "a\nb\n"));
        QCOMPARE(lines.size(), 2u);
    }

    void crlfLoosesTheCarriageReturn() {
        auto lines = scanAll(test::writeFile(m_dir, "crlf.jsonl", "ab\r\ncd\r\n"));
        QCOMPARE(lines.size(), 2u);
        QCOMPARE(lines[0].text, std::string("ab"));
        QCOMPARE(lines[0].length, 2u);
        QCOMPARE(lines[1].text, std::string("cd"));
        QCOMPARE(lines[1].offset, 4u);
    }

    void byteOrderMarkIsSkipped() {
        auto lines = scanAll(test::writeFile(m_dir, "bom.jsonl", "\xEF\xBB\xBF{}\n{}"));
        QCOMPARE(lines.size(), 2u);
        QCOMPARE(lines[0].text, std::string("{}"));
        QCOMPARE(lines[0].offset, 3u);  // offsets stay file offsets
    }

    void blankLinesAreFlagged() {
        auto lines = scanAll(test::writeFile(m_dir, "blank.jsonl", "a\n\n  \t\r\nb\n"));
        QCOMPARE(lines.size(), 4u);
        QVERIFY(!lines[0].blank);
        QVERIFY(lines[1].blank);
        QVERIFY(lines[2].blank);
        QVERIFY(!lines[3].blank);
        QCOMPARE(lines[3].number, 4u);
    }

    void linesAcrossChunkBoundaries() {
        // A 64-byte chunk forces lines to straddle refills and the buffer to grow.
        QByteArray content;
        std::vector<std::string> expected;
        for (int i = 0; i < 200; ++i) {
            std::string line(std::size_t(i % 150), char('a' + i % 26));
            expected.push_back(line);
            content += QByteArray::fromStdString(line) + "\n";
        }
        auto lines = scanAll(test::writeFile(m_dir, "chunks.jsonl", content), 64);
        QCOMPARE(lines.size(), expected.size());
        std::uint64_t offset = 0;
        for (std::size_t i = 0; i < lines.size(); ++i) {
            QCOMPARE(lines[i].text, expected[i]);
            QCOMPARE(lines[i].offset, offset);
            offset += expected[i].size() + 1;
        }
    }

    void lastLineThatGrowsTheBufferAtEndOfFile() {
        // The buffer (4 KiB at least) must grow to hold this line, and the file ends
        // without a newline right after it: the text must come from the grown buffer.
        std::string last(10000, 'z');
        auto lines = scanAll(test::writeFile(m_dir, "grow.jsonl", "a\n" + QByteArray::fromStdString(last)), 64);
        QCOMPARE(lines.size(), 2u);
        QCOMPARE(lines[1].text, last);
    }

    void lineOver64MiBIsReportedNotHeld() {
        QByteArray huge(qsizetype(LineScanner::kMaxLineBytes + 10), 'x');
        QByteArray content = "first\n" + huge + "\nlast";
        auto lines = scanAll(test::writeFile(m_dir, "huge.jsonl", content));
        QCOMPARE(lines.size(), 3u);
        QVERIFY(lines[1].tooLong);
        QCOMPARE(lines[1].length, std::uint64_t(huge.size()));
        QVERIFY(lines[1].text.empty());
        QCOMPARE(lines[2].text, std::string("last"));
        QCOMPARE(lines[2].number, 3u);
    }

    void lineOfExactlyTheLimitIsAccepted() {
        QByteArray limit(qsizetype(LineScanner::kMaxLineBytes), 'y');
        auto lines = scanAll(test::writeFile(m_dir, "limit.jsonl", limit + "\n"));
        QCOMPARE(lines.size(), 1u);
        QVERIFY(!lines[0].tooLong);
        QCOMPARE(lines[0].text.size(), std::size_t(LineScanner::kMaxLineBytes));
    }

    void missingFileNamesThePath() {
        try {
            LineScanner scanner(m_dir.filePath("nope.jsonl").toStdString());
            QFAIL("expected InputError");
        } catch (const common::InputError &e) {
            QVERIFY(QString::fromStdString(e.what()).contains("nope.jsonl"));
        }
    }
};

QTEST_GUILESS_MAIN(TestLineScanner)
#include "test_line_scanner.moc"
