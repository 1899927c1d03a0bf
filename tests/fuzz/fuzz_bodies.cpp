#include "fuzz_bodies.h"

#include "data/dataset_format.h"
#include "data/jsonl_index.h"
#include "data/line_scanner.h"
#include "data/record_parser.h"
#include "common/input_error.h"
#include "eval/judges/openai_judge.h"
#include "experiment/backends/slurm_client.h"
#include "experiment/backends/slurm_queue.h"
#include "experiment/backends/slurm_work_dir.h"
#include "experiment/experiment_spec.h"
#include "model/bpe_tokenizer.h"
#include "model/byte_level.h"
#include "model/safetensors.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
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

// A scratch file per process and suffix, for bodies that write what they parsed. Without
// TMPDIR, /dev/shm when there is one: the writers fsync, which costs seconds a call on a disk
// busy with a build, and nothing on tmpfs.
std::string scratchPath(const char *suffix) {
    const char *dir = std::getenv("TMPDIR");
    std::string folder = dir ? dir : ::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    return folder + "/inoculab-fuzz-" + std::to_string(::getpid()) + suffix;
}

std::vector<std::uint8_t> readWhole(const std::string &path) {
    std::vector<std::uint8_t> bytes;
    std::FILE *f = std::fopen(path.c_str(), "rb");
    check(f != nullptr, "cannot read the scratch file");
    std::uint8_t buffer[65536];
    while (std::size_t n = std::fread(buffer, 1, sizeof buffer, f)) bytes.insert(bytes.end(), buffer, buffer + n);
    std::fclose(f);
    return bytes;
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

void safetensors(const std::uint8_t *data, std::size_t size) {
    std::optional<model::SafetensorsFile> file;
    try {
        file.emplace(model::SafetensorsFile::fromBytes({data, data + size}, "fuzz.safetensors"));
    } catch (const model::SafetensorsError &e) {
        std::string_view what = e.what();
        check(!e.reason().empty(), "SafetensorsError without a reason");
        check(what.substr(0, 18) == "fuzz.safetensors: ", "error without the file name");
        check(what.find('\n') == std::string_view::npos, "error message over several lines");
        return;
    } catch (const std::exception &e) {
        std::fprintf(stderr, "unexpected exception: %s\n", e.what());
        check(false, "fromBytes threw something other than SafetensorsError");
    }

    // The views: sorted by name, unique, matching their shapes, tiling the data buffer.
    const auto &tensors = file->tensors();
    check(file->dataOffset() >= 8 && file->dataOffset() <= size, "data buffer outside the file");
    std::uint64_t dataSize = size - file->dataOffset();
    std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
    for (std::size_t i = 0; i < tensors.size(); ++i) {
        const model::TensorInfo &t = tensors[i];
        if (i > 0) check(tensors[i - 1].name < t.name, "tensors not sorted by name, or a duplicate name");
        check(file->find(t.name) == &t, "find() misses a tensor");
        check(t.begin <= t.end && t.end <= dataSize, "tensor range outside the data buffer");
        auto elements = model::checkedElements(t.shape);
        check(elements && *elements == t.elements(), "elements() disagrees with the checked count");
        check(t.elements() * model::dtypeSize(t.dtype) == t.end - t.begin, "range size does not match the shape");
        auto bytes = file->bytes(t);
        check(bytes.size() == t.end - t.begin, "bytes() has the wrong size");
        check(bytes.empty() || std::memcmp(bytes.data(), data + file->dataOffset() + t.begin, bytes.size()) == 0,
              "bytes() differ from the input");
        ranges.emplace_back(t.begin, t.end);
    }
    std::sort(ranges.begin(), ranges.end());
    std::uint64_t cursor = 0;
    for (const auto &[begin, end] : ranges) {
        check(begin == cursor, "tensors overlap or leave a hole");
        cursor = end;
    }
    check(cursor == dataSize, "tensors do not cover the data buffer");

    // Write, open: the same tensors, metadata and bytes. Write again: the same file.
    static const std::string first = scratchPath("-1.safetensors"), second = scratchPath("-2.safetensors");
    auto toWrite = [](const model::SafetensorsFile &f) {
        std::vector<model::TensorToWrite> out;
        for (const model::TensorInfo &t : f.tensors()) out.push_back({t.name, t.dtype, t.shape, f.bytes(t)});
        return out;
    };
    try {
        model::writeSafetensors(first, toWrite(*file), file->metadata());
        model::SafetensorsFile back = model::SafetensorsFile::open(first);
        check(back.metadata() == file->metadata(), "round trip changed the metadata");
        check(back.tensors().size() == tensors.size(), "round trip changed the tensor count");
        std::uint64_t offset = 0;
        for (std::size_t i = 0; i < tensors.size(); ++i) {
            const model::TensorInfo &a = tensors[i], &b = back.tensors()[i];
            check(a.name == b.name && a.dtype == b.dtype && a.shape == b.shape, "round trip changed a tensor");
            check(b.begin == offset, "the writer did not lay tensors out in name order");
            offset = b.end;
            auto x = file->bytes(a), y = back.bytes(b);
            check(x.size() == y.size() && std::equal(x.begin(), x.end(), y.begin()), "round trip changed bytes");
        }
        check(back.dataOffset() % 8 == 0, "data buffer not 8-byte aligned");
        model::writeSafetensors(second, toWrite(back), back.metadata());
        check(readWhole(first) == readWhole(second), "writing what was read gives another file");
        std::remove(first.c_str());  // not left behind in /dev/shm; `back` keeps its mapping
        std::remove(second.c_str());
    } catch (const std::exception &e) {
        std::fprintf(stderr, "round trip threw: %s\n", e.what());
        check(false, "a file that opened does not survive a write and open");
    }
}

void tokenizerJson(const std::uint8_t *data, std::size_t size) {
    std::string_view json(reinterpret_cast<const char *>(data), size);
    std::optional<model::BpeTokenizer> tokenizer;
    std::optional<model::TokenizerSpec> spec;
    auto checkError = [](const model::TokenizerError &e) {
        std::string_view what = e.what();
        check(!e.reason().empty(), "TokenizerError without a reason");
        check(what.substr(0, 11) == "fuzz.json: ", "error without the file name");
        check(what.find('\n') == std::string_view::npos, "error message over several lines");
    };
    try {
        tokenizer.emplace(model::BpeTokenizer::fromJson(json, "fuzz.json"));
        spec.emplace(model::parseTokenizerJson(json, "fuzz.json"));
    } catch (const model::TokenizerError &e) {
        check(!tokenizer, "the file loads but does not parse again");
        checkError(e);
        return;
    } catch (const std::exception &e) {
        std::fprintf(stderr, "unexpected exception: %s\n", e.what());
        check(false, "fromJson threw something other than TokenizerError");
    }

    // Round trips hold unless the file drops text (Removed splits, stripping added tokens),
    // adds some (prefix space), rewrites it (NFC) or has an added token the byte-level decoder
    // reads as other bytes.
    bool exact = !spec->nfc;
    for (const model::PreTokenizerStep &step : spec->preTokenizer)
        if (step.addPrefixSpace || (step.kind == model::PreTokenizerStep::Kind::Split &&
                                    step.behavior == model::SplitBehavior::Removed))
            exact = false;
    std::string withAdded = "x";
    for (const model::AddedTokenSpec &a : spec->addedTokens) {
        auto decoded = model::fromByteLevel(a.content);
        if (a.lstrip || a.rstrip || (decoded && *decoded != a.content)) exact = false;
        if (withAdded.size() < 2000) withAdded += a.content + " y";
    }

    static const std::string kTexts[] = {"Hello world, it's 2024!", "  two  spaces\tand\ttabs \n\n end ",
                                         "caf\xC3\xA9 cafe\xCC\x81 \xF0\x9F\x91\x8B\xF0\x9F\x8F\xBD \xE6\x97\xA5\xE6\x9C\xAC",
                                         "<|endoftext|>a<s></s>", ""};
    std::vector<std::string> texts(std::begin(kTexts), std::end(kTexts));
    texts.push_back(withAdded);
    for (const std::string &text : texts) {
        for (bool allowSpecial : {true, false}) {
            std::vector<model::BpeTokenizer::Piece> pieces;
            try {
                pieces = tokenizer->encodeWithOffsets(text, allowSpecial);
            } catch (const model::TokenizerError &e) {
                checkError(e);  // a pattern of the file ran out of its match limit
                continue;
            }
            std::vector<std::int32_t> ids;
            std::size_t previous = 0, cursor = 0;
            bool tiles = true;
            for (const auto &p : pieces) {
                check(p.begin <= p.end && p.end <= text.size(), "piece outside the text");
                check(p.begin >= previous, "pieces go backwards");
                check(p.id >= 0 && p.id < tokenizer->vocabSize(), "id outside the vocabulary size");
                check(tokenizer->tokenId(tokenizer->tokenText(p.id)) == p.id, "tokenText and tokenId disagree");
                tiles = tiles && p.begin == cursor;
                previous = p.begin;
                cursor = p.end;
                ids.push_back(p.id);
            }
            std::string decoded = tokenizer->decode(ids);
            check(tokenizer->decode(ids, true).size() <= decoded.size(), "skipping special tokens added text");
            if (exact) {
                check(decoded == text, "decode(encode(text)) differs from the text");
                check(tiles && cursor == text.size(), "pieces do not tile the text");
            }
        }
    }
}

void chatCompletion(const std::uint8_t *data, std::size_t size) {
    std::string_view body(reinterpret_cast<const char *>(data), size);
    eval::JudgeDistribution distribution;
    try {
        distribution = eval::parseChatCompletionLogprobs(body);
    } catch (const eval::JudgeError &e) {
        std::string_view what = e.what();
        check(!what.empty() && what.find('\n') == std::string_view::npos, "a judge error is not one line");
        return;
    } catch (const std::exception &e) {
        std::fprintf(stderr, "unexpected exception: %s\n", e.what());
        check(false, "parseChatCompletionLogprobs threw something other than JudgeError");
    }
    check(!distribution.empty() && distribution.size() <= 1000, "a distribution of no or too many answers");
    for (const eval::JudgeAnswer &a : distribution)
        check(a.probability >= 0 && a.probability <= 1, "a probability outside [0, 1]");
    for (auto mode : {experiment::JudgeMode::Score0To100, experiment::JudgeMode::YesNo}) {
        eval::JudgeScore s = eval::judgeScore(distribution, mode, 0.0);
        check(s.mass >= 0 && s.mass <= static_cast<double>(distribution.size()), "a mass out of range");
        if (s.score) check(*s.score >= 0 && *s.score <= 100, "a score outside [0, 100]");
    }
}

}  // namespace inoculab::fuzz

namespace inoculab::fuzz {

void slurmFiles(const std::uint8_t *data, std::size_t size) {
    using namespace inoculab::experiment;
    const std::string text(reinterpret_cast<const char *>(data), size);
    auto digits = [](const std::string &s, const char *allowed) {
        return !s.empty() && s.find_first_not_of(allowed) == std::string::npos;
    };

    std::optional<ExitRecord> record;
    try {
        record = parseExitRecord(text, "status/run.exit");
        check(record.has_value(), "an exit record parsed to nothing");
        check(record->code >= 0 && record->attempt >= 0, "an exit record with a negative number");
        check(record->jobId.size() <= 64 && digits(record->jobId, "0123456789_"), "an exit record's job id");
        auto again = parseExitRecord(std::to_string(record->code) + " " + record->jobId + " " +
                                         std::to_string(record->attempt) + "\n",
                                     "status/run.exit");
        check(again->code == record->code && again->jobId == record->jobId && again->attempt == record->attempt,
              "an exit record did not survive a rewrite");
    } catch (const common::InputError &e) {
        check(e.file() == "status/run.exit", "an exit record's error does not name its file");
    }

    try {
        std::vector<Submission> subs = parseSubmissions(text, "submissions.jsonl");
        std::string rewritten;
        for (const Submission &s : subs) {
            check(digits(s.jobId, "0123456789"), "a submission's job id is not digits");
            for (const std::string &label : s.labels)
                check(!label.empty() && label.find('/') == std::string::npos, "a run label is not a file name");
            nlohmann::json doc = {{"job", s.jobId}, {"runs", s.labels}};
            if (s.pretrain) doc["pretrain"] = true;
            rewritten += doc.dump() + "\n";
        }
        std::vector<Submission> again = parseSubmissions(rewritten, "submissions.jsonl");
        check(again.size() == subs.size(), "submissions did not survive a rewrite");
        for (std::size_t i = 0; i < subs.size(); ++i)
            check(again[i].jobId == subs[i].jobId && again[i].labels == subs[i].labels &&
                      again[i].pretrain == subs[i].pretrain,
                  "a submission did not survive a rewrite");
    } catch (const common::InputError &e) {
        check(e.file() == "submissions.jsonl" && e.line() >= 1, "a submissions error does not name its line");
    }

    const auto queue = parseSqueue(text);
    const auto accounting = parseSacct(text);
    for (const auto *entries : {&queue, &accounting})
        for (const auto &[task, entry] : *entries) check(digits(task, "0123456789_"), "a queue entry's task id");
    try {
        check(digits(parseSbatchJobId(text), "0123456789"), "sbatch's job id is not digits");
    } catch (const std::runtime_error &) {
    }
    if (auto seconds = slurmTimeSeconds(text)) check(*seconds >= 0, "a negative SLURM time");
    (void)configValue(text, "MaxArraySize");

    const std::string task = queue.empty() ? std::string("1_0") : queue.begin()->first;
    auto entryOf = [&](const std::map<std::string, QueueEntry> &m) -> std::optional<QueueEntry> {
        auto it = m.find(task);
        return it == m.end() ? std::nullopt : std::optional<QueueEntry>(it->second);
    };
    for (bool published : {false, true}) {
        ClusterRunStatus s = decideRunStatus(published, task, record, entryOf(queue), entryOf(accounting));
        check(!published || s.state == ClusterRunState::Done, "a published result is not done");
        check(!clusterRunStateName(s.state).empty(), "a state without a name");
    }
}

}  // namespace inoculab::fuzz
