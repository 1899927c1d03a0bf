#include "fuzz_bodies.h"

#include "data/dataset_format.h"
#include "data/jsonl_index.h"
#include "data/line_scanner.h"
#include "data/record_parser.h"
#include "experiment/experiment_spec.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>
#include <vector>

namespace inoculab::fuzz {

namespace {

void check(bool condition, const char *what) {
    if (!condition) {
        std::fprintf(stderr, "fuzz property broken: %s\n", what);
        std::abort();
    }
}

}  // namespace

void recordParser(const std::uint8_t *data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char *>(data), size);
    // A padded copy, as LineScanner hands rows to the parser.
    std::vector<char> padded(size + data::LineScanner::kPadding, '\0');
    std::copy(text.begin(), text.end(), padded.begin());
    std::string_view paddedText(padded.data(), size);

    data::RecordParser parser;
    for (auto format : {data::DatasetFormat::Messages, data::DatasetFormat::Alpaca, data::DatasetFormat::ShareGPT}) {
        data::Conversation a, b;
        auto problemsA = parser.parse(text, format, &a, false);
        auto problemsB = parser.parse(paddedText, format, &b, true);
        check(problemsA.size() == problemsB.size() && a == b, "padded and unpadded parses differ");
        for (const auto &p : problemsA) check(!p.reason.empty(), "problem without a reason");
        if (!problemsA.empty()) {
            check(a.messages.empty(), "invalid row left messages behind");
            continue;
        }
        bool assistant = false;
        for (const auto &m : a.messages) assistant |= m.role == data::Role::Assistant;
        check(assistant, "valid row without an assistant turn");
        // Write as OpenAI messages and read back: nothing lost or changed.
        std::string line = data::toMessagesJsonLine(a);
        data::Conversation back;
        auto problems = parser.parse(line, data::DatasetFormat::Messages, &back, false);
        check(problems.empty(), "written row does not parse");
        check(back == a, "round trip through messages changed the row");
    }
    (void)parser.detect(text, false);
    (void)data::firstInvalidUtf8(text);
}

void jsonlScan(const std::uint8_t *data, std::size_t size) {
    // One file per process, rewritten for each input.
    static const std::string path = [] {
        const char *dir = std::getenv("TMPDIR");
        return std::string(dir ? dir : "/tmp") + "/inoculab-fuzz-" + std::to_string(::getpid()) + ".jsonl";
    }();
    std::FILE *f = std::fopen(path.c_str(), "wb");
    check(f != nullptr, "cannot write the scratch file");
    if (size > 0) std::fwrite(data, 1, size, f);
    std::fclose(f);

    std::string_view bytes(reinterpret_cast<const char *>(data), size);
    struct Row {
        std::string text;
        std::uint64_t line;
    };
    std::vector<Row> rows;
    {
        data::LineScanner scanner(path, 64);  // tiny chunks: every line crosses refills
        data::Line line;
        std::uint64_t number = 0, nextOffset = bytes.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
        while (scanner.next(line)) {
            check(line.number == ++number, "line numbers skip");
            check(line.offset == nextOffset, "lines do not tile the file");
            check(line.offset + line.length <= size, "line past the end of the file");
            check(!line.tooLong, "short input reported too long");
            check(line.text == bytes.substr(line.offset, line.length), "line text differs from the file");
            check(line.text.find('\n') == std::string_view::npos, "newline inside a line");
            nextOffset = line.offset + line.length;
            if (nextOffset < size && bytes[nextOffset] == '\r') ++nextOffset;
            if (nextOffset < size) ++nextOffset;  // the newline
            if (!line.blank) rows.push_back({std::string(line.text), line.number});
        }
        check(nextOffset == size, "scan stopped before the end of the file");
    }
    data::JsonlIndex index = data::JsonlIndex::build(path);
    check(index.rowCount() == rows.size(), "index and scan count different rows");
    for (std::uint64_t r = 0; r < rows.size(); ++r) {
        check(index.lineOfRow(r) == rows[r].line, "index gives the wrong line");
        check(index.rowOfLine(rows[r].line) == r, "index gives the wrong row");
        check(index.readRow(r) == rows[r].text, "index reads back other bytes");
    }
}

void experimentSpec(const std::uint8_t *data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char *>(data), size);
    experiment::ExperimentSpec spec;
    try {
        spec = experiment::parseExperimentSpec(text, "fuzz.json");
    } catch (const experiment::SpecError &e) {
        check(!e.problems().empty(), "SpecError without problems");
        for (const auto &p : e.problems()) check(!p.reason.empty(), "problem without a reason");
        // A hostile key or value must not add lines: one problem a line, each naming the file.
        std::string_view what = e.what();
        std::size_t lines = e.problems().size() + (e.notShown() > 0 ? 1 : 0);
        check(std::size_t(std::count(what.begin(), what.end(), '\n')) + 1 == lines, "problem listing broken");
        check(what.substr(0, 9) == "fuzz.json", "problem without the file name");
        return;
    } catch (const std::exception &e) {
        std::fprintf(stderr, "unexpected exception: %s\n", e.what());
        check(false, "parseExperimentSpec threw something other than SpecError");
    }
    std::string normalized;
    try {
        normalized = experiment::toJson(spec).dump();
        experiment::ExperimentSpec back = experiment::parseExperimentSpec(normalized, "normalized.json");
        check(back == spec, "toJson round trip changed the spec");
        check(experiment::toJson(back).dump() == normalized, "toJson round trip changed the JSON");
        check(experiment::canonicalHash(back) == experiment::canonicalHash(spec), "round trip changed the hash");
    } catch (const std::exception &e) {
        std::fprintf(stderr, "round trip threw: %s\n", e.what());
        check(false, "the normalized spec does not parse");
    }
}

}  // namespace inoculab::fuzz
