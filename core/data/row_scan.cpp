#include "data/row_scan.h"

#include "common/input_error.h"

namespace inoculab::data {

namespace {
constexpr std::uint64_t kProgressEveryBytes = 16u << 20;
constexpr int kDetectRows = 100;
}  // namespace

std::string tooLongReason(std::uint64_t length) {
    return "line is longer than 64 MiB (" + std::to_string(length) + " bytes)";
}

ScanTotals scanRows(const std::string &path, DatasetFormat format,
                    const std::function<bool(const RowView &)> &onRow, const ScanOptions &options) {
    LineScanner scanner(path);
    RecordParser parser;
    Conversation conversation;
    std::vector<RecordProblem> problems;
    ScanTotals totals;
    totals.bytes = scanner.fileSize();
    std::uint64_t nextProgress = 0;
    Line line;
    while (scanner.next(line)) {
        ++totals.lines;
        if (line.blank) {
            ++totals.blankLines;
            continue;
        }
        if (line.tooLong) {
            problems.assign(1, RecordProblem{0, tooLongReason(line.length)});
            conversation = Conversation{};
        } else {
            problems = parser.parse(line.text, format, options.wantConversations ? &conversation : nullptr, true);
        }
        bool keepGoing = onRow(RowView{line, totals.rows, problems, conversation});
        ++totals.rows;
        if (!keepGoing) break;
        if (scanner.bytesConsumed() >= nextProgress) {
            if (options.cancel && options.cancel->isCancelled()) throw common::Cancelled();
            if (options.progress) options.progress(scanner.bytesConsumed(), scanner.fileSize());
            nextProgress = scanner.bytesConsumed() + kProgressEveryBytes;
        }
    }
    if (options.progress) options.progress(scanner.fileSize(), scanner.fileSize());
    return totals;
}

DatasetFormat detectDatasetFormat(const std::string &path) {
    LineScanner scanner(path, 1u << 20);
    RecordParser parser;
    Line line;
    int looked = 0;
    std::uint64_t firstRowLine = 0;
    while (looked < kDetectRows && scanner.next(line)) {
        if (line.blank || line.tooLong) continue;
        if (firstRowLine == 0) firstRowLine = line.number;
        ++looked;
        if (auto format = parser.detect(line.text, true)) return *format;
    }
    if (looked == 0) return DatasetFormat::Messages;
    throw common::InputError(path, firstRowLine,
                             "cannot tell the dataset format: no row among the first " + std::to_string(looked) +
                                 " has \"messages\" (OpenAI chat), \"conversations\" (ShareGPT) or "
                                 "\"instruction\" and \"output\" (Alpaca); name it with --format");
}

DatasetFormat resolveDatasetFormat(const std::string &path, std::optional<DatasetFormat> requested) {
    return requested ? *requested : detectDatasetFormat(path);
}

}  // namespace inoculab::data
