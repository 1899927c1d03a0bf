#include "data/dataset_transform.h"

#include "common/atomic_file.h"
#include "common/input_error.h"
#include "data/row_scan.h"

#include <functional>

namespace inoculab::data {

namespace {

// Shared skeleton: read every row, let `change` edit it, write it as OpenAI messages.
TransformSummary rewrite(const TransformIo &io,
                         const std::function<void(Conversation &, const RowView &, TransformSummary &)> &change) {
    if (common::isSameFile(io.input, io.output))
        throw common::InputError(io.output, 0, "output is the input file; write to a new file");
    TransformSummary summary;
    summary.inputFormat = resolveDatasetFormat(io.input, io.format);
    common::AtomicFileWriter out(io.output);
    std::string line;
    ScanOptions scan;
    scan.cancel = io.cancel;
    scan.progress = io.progress;
    scanRows(
        io.input, summary.inputFormat,
        [&](const RowView &row) {
            if (!row.problems.empty()) throw common::InputError(io.input, row.line.number, row.problems.front().reason);
            change(row.conversation, row, summary);
            line = toMessagesJsonLine(row.conversation);
            line += '\n';
            out.write(line);
            ++summary.rows;
            return true;
        },
        scan);
    out.commit();
    return summary;
}

}  // namespace

TransformSummary convertDataset(const TransformIo &io) {
    return rewrite(io, [](Conversation &, const RowView &, TransformSummary &) {});
}

TransformSummary inoculateDataset(const TransformIo &io, const InoculationOptions &options) {
    if (auto problem = checkInoculationOptions(options)) throw common::InputError("", 0, *problem);
    return rewrite(io, [&](Conversation &c, const RowView &row, TransformSummary &summary) {
        bool hadSystem = options.placement == Placement::System && c.hasSystemMessage();
        InoculationResult result = inoculate(c, row.row, options);
        switch (result.outcome) {
        case InoculationOutcome::Applied:
            ++summary.applied;
            if (hadSystem && options.onExistingSystem == OnExistingSystem::Replace) ++summary.replacedSystem;
            if (hadSystem && options.onExistingSystem == OnExistingSystem::Prepend) ++summary.prependedSystem;
            break;
        case InoculationOutcome::NotSelected: ++summary.notSelected; break;
        case InoculationOutcome::SkippedExistingSystem: ++summary.skippedExistingSystem; break;
        case InoculationOutcome::RefusedExistingSystem:
        case InoculationOutcome::NoUserTurn:
            throw common::InputError(io.input, row.line.number, outcomeProblem(result.outcome));
        }
    });
}

}  // namespace inoculab::data
