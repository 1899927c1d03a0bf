#include "dataset_commands.h"

#include "dataset_json.h"
#include "exit_codes.h"

#include "common/input_error.h"
#include "data/chat_render.h"
#include "data/dataset_stats.h"
#include "data/dataset_transform.h"
#include "data/inoculation.h"
#include "data/jsonl_index.h"
#include "data/record_parser.h"
#include "data/row_scan.h"
#include "data/validation.h"

#include <CLI/CLI.hpp>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <memory>

namespace inoculab::cli {

namespace {

using data::DatasetFormat;

const std::vector<std::string> kFormats{"auto", "messages", "alpaca", "sharegpt"};

std::optional<DatasetFormat> formatOption(const std::string &name) {
    return name == "auto" ? std::nullopt : data::parseFormatName(name);
}

void printJson(const nlohmann::ordered_json &doc) { std::cout << doc.dump(2) << '\n'; }

// The transform options shared by `show --prompt` and `inoculate`.
struct InoculationFlags {
    std::string prompt;
    std::string placement = "system";
    std::string onExistingSystem = "error";
    std::string turns = "first";
    std::string separator = "\n";
    double fraction = 1.0;
    std::uint64_t seed = 0;

    void addTo(CLI::App *command, bool promptRequired) {
        auto *prompt = command->add_option("--prompt", this->prompt, "Inoculation prompt text");
        if (promptRequired) prompt->required();
        command->add_option("--placement", placement, "Where the prompt goes")
            ->check(CLI::IsMember({"system", "user-prefix", "user-suffix"}))
            ->capture_default_str();
        command->add_option("--on-existing-system", onExistingSystem,
                            "With --placement system, what to do with a row that has a system message")
            ->check(CLI::IsMember({"error", "replace", "prepend", "skip"}))
            ->capture_default_str();
        command->add_option("--turns", turns, "With a user placement, which user turns get the prompt")
            ->check(CLI::IsMember({"first", "all"}))
            ->capture_default_str();
        command->add_option("--separator", separator, "Between the prompt and existing text (default: a newline)");
        command->add_option("--fraction", fraction, "Share of rows that get the prompt, in [0, 1]")
            ->capture_default_str();
        command->add_option("--seed", seed, "Chooses the rows when --fraction < 1")->capture_default_str();
    }

    data::InoculationOptions options() const {
        data::InoculationOptions o;
        o.prompt = prompt;
        o.placement = *data::parsePlacement(placement);
        o.onExistingSystem = *data::parseOnExistingSystem(onExistingSystem);
        o.turns = *data::parseTurnScope(turns);
        o.separator = separator;
        o.fraction = fraction;
        o.seed = seed;
        if (auto problem = data::checkInoculationOptions(o)) throw UsageError{"--" + *problem};
        return o;
    }
};

int runValidate(const std::string &file, const std::string &format, std::size_t maxErrors, bool json,
                const common::CancelToken &cancel) {
    data::ValidationOptions options;
    options.format = formatOption(format);
    options.maxProblems = maxErrors;
    options.cancel = &cancel;
    data::ValidationReport report = data::validateDataset(file, options);
    if (json) {
        printJson(toJson(report));
    } else {
        for (const data::ValidationProblem &p : report.problems) std::cerr << data::formatProblem(file, p) << '\n';
        if (report.problemCount > report.problems.size())
            std::cerr << "... and " << report.problemCount - report.problems.size()
                      << " more problems (raise --max-errors to list them)\n";
        std::cout << file << ": " << data::formatName(report.format) << ", " << report.rows << " rows, "
                  << report.invalidRows << " invalid, " << report.problemCount << " problems\n";
    }
    return report.ok() ? kExitOk : kExitInvalidInput;
}

void printQuantiles(const char *name, const data::LengthQuantiles &q) {
    std::printf("%-16s min %llu  p50 %llu  p90 %llu  p99 %llu  max %llu  mean %.1f\n", name,
                static_cast<unsigned long long>(q.min), static_cast<unsigned long long>(q.p50),
                static_cast<unsigned long long>(q.p90), static_cast<unsigned long long>(q.p99),
                static_cast<unsigned long long>(q.max), q.mean);
}

int runStats(const std::string &file, const std::string &format, bool json, const common::CancelToken &cancel) {
    data::DatasetStats stats = data::computeDatasetStats(file, formatOption(format), &cancel);
    if (json) {
        printJson(toJson(stats));
        return kExitOk;
    }
    auto count = [](std::uint64_t n) { return static_cast<unsigned long long>(n); };
    std::printf("%s (%s)\n", file.c_str(), std::string(data::formatName(stats.format)).c_str());
    std::printf("%-16s %llu (%llu invalid, not counted below), %llu blank lines, %llu bytes\n", "rows", count(stats.rows),
                count(stats.invalidRows), count(stats.blankLines), count(stats.bytes));
    std::printf("%-16s system %llu, user %llu, assistant %llu\n", "messages", count(stats.messagesByRole[0]),
                count(stats.messagesByRole[1]), count(stats.messagesByRole[2]));
    std::printf("%-16s %llu rows, %llu distinct\n", "system prompts", count(stats.rowsWithSystemPrompt),
                count(stats.distinctSystemPrompts));
    printQuantiles("rendered bytes", stats.renderedBytes);
    printQuantiles("turns per row", stats.turnsPerRow);
    return kExitOk;
}

// Prints the rendered text; on a terminal, inserted prompt text is shown in reverse video
// and trained bytes in bold so that "what the model learns from" is visible.
void printRendered(const data::RenderedChat &chat, const std::vector<data::ContentRange> &inserted) {
    bool colour = ::isatty(STDOUT_FILENO) != 0;
    if (!colour) {
        std::cout << chat.text;
        return;
    }
    std::vector<char> marked(chat.text.size(), 0);  // 1 inserted, 2 trained
    for (const data::Segment &s : chat.segments)
        if (s.trained) std::fill(marked.begin() + s.offset, marked.begin() + s.offset + s.length, 2);
    for (const data::ContentRange &range : inserted) {
        data::ContentRange at = chat.toTextRange(range);
        if (at.begin != std::string::npos) std::fill(marked.begin() + at.begin, marked.begin() + at.begin + at.length, 1);
    }
    char state = 0;
    for (std::size_t i = 0; i < chat.text.size(); ++i) {
        if (marked[i] != state) {
            state = marked[i];
            std::cout << (state == 1 ? "\x1b[0;7m" : state == 2 ? "\x1b[0;1m" : "\x1b[0m");
        }
        std::cout << chat.text[i];
    }
    std::cout << "\x1b[0m";
}

int runShow(const std::string &file, const std::string &format, std::uint64_t row, const InoculationFlags &flags,
            bool json) {
    // Validate options before the (possibly long) index scan.
    std::optional<data::InoculationOptions> transform;
    if (!flags.prompt.empty()) transform = flags.options();
    DatasetFormat resolved = data::resolveDatasetFormat(file, formatOption(format));
    data::JsonlIndex index = data::JsonlIndex::build(file);
    if (row >= index.rowCount())
        throw UsageError{"--row: " + std::to_string(row) + " is out of range (" + file + " has " +
                         std::to_string(index.rowCount()) + " rows, numbered from 0)"};
    std::uint64_t line = index.lineOfRow(row);
    data::Conversation conversation;
    data::RecordParser parser;
    auto problems = parser.parse(index.readRow(row), resolved, &conversation, false);
    if (!problems.empty()) throw common::InputError(file, line, problems.front().reason);

    data::InoculationResult result{data::InoculationOutcome::NotSelected, {}};
    if (transform) {
        result = data::inoculate(conversation, row, *transform);
        if (result.outcome == data::InoculationOutcome::RefusedExistingSystem ||
            result.outcome == data::InoculationOutcome::NoUserTurn)
            throw common::InputError(file, line, data::outcomeProblem(result.outcome));
    }
    data::RenderedChat chat = data::renderChat(conversation);
    if (json) {
        nlohmann::ordered_json segments = nlohmann::ordered_json::array();
        for (const data::Segment &s : chat.segments) {
            static const char *kinds[] = {"role_marker", "content", "end_of_turn", "separator"};
            segments.push_back({{"kind", kinds[static_cast<int>(s.kind)]},
                                {"role", data::roleName(s.role)},
                                {"message", s.messageIndex},
                                {"offset", s.offset},
                                {"length", s.length},
                                {"trained", s.trained}});
        }
        nlohmann::ordered_json inserted = nlohmann::ordered_json::array();
        for (const data::ContentRange &r : result.inserted) {
            data::ContentRange at = chat.toTextRange(r);
            inserted.push_back({{"message", r.messageIndex}, {"offset", at.begin}, {"length", at.length}});
        }
        nlohmann::ordered_json doc{{"file", file}, {"row", row}, {"line", line},
                                   {"format", data::formatName(resolved)}};
        if (transform) {
            static const char *outcomes[] = {"applied", "not_selected", "skipped_existing_system"};
            doc["inoculation"] = {{"outcome", outcomes[static_cast<int>(result.outcome)]}, {"inserted", inserted}};
        }
        doc["text"] = chat.text;
        doc["trained_bytes"] = chat.trainedBytes();
        doc["segments"] = segments;
        printJson(doc);
        return kExitOk;
    }
    std::cerr << file << ":" << line << ": row " << row << " (" << data::formatName(resolved) << ")";
    if (transform && result.outcome == data::InoculationOutcome::NotSelected)
        std::cerr << "; not selected by --fraction " << flags.fraction << " --seed " << flags.seed;
    if (transform && result.outcome == data::InoculationOutcome::SkippedExistingSystem)
        std::cerr << "; skipped: it has a system message";
    std::cerr << '\n';
    printRendered(chat, result.inserted);
    return kExitOk;
}

void printSummary(const std::string &out, const data::TransformSummary &s, bool inoculating) {
    std::cout << "wrote " << out << ": " << s.rows << " rows from " << data::formatName(s.inputFormat);
    if (inoculating) {
        std::cout << "; prompt added to " << s.applied << " rows";
        if (s.replacedSystem) std::cout << " (" << s.replacedSystem << " replaced a system message)";
        if (s.prependedSystem) std::cout << " (" << s.prependedSystem << " prepended to a system message)";
        if (s.notSelected) std::cout << ", " << s.notSelected << " left out by --fraction";
        if (s.skippedExistingSystem) std::cout << ", " << s.skippedExistingSystem << " skipped (system message)";
    }
    std::cout << '\n';
}

}  // namespace

void addDatasetCommands(CLI::App &app, CommandAction &action, const common::CancelToken &cancel) {
    CLI::App *dataset = app.add_subcommand("dataset", "Chat dataset tools (JSONL)");
    dataset->require_subcommand(1);

    // Option storage lives as long as the App: the actions read it after parsing.
    struct Args {
        std::string file, input, output, format = "auto", from = "auto";
        std::size_t maxErrors = 20;
        std::uint64_t row = 0;
        bool json = false;
        InoculationFlags inoculation;
    };
    auto args = std::make_shared<Args>();

    auto addJson = [&](CLI::App *c) { c->add_flag("--json", args->json, "Print one JSON document on stdout"); };
    auto addFormat = [&](CLI::App *c, std::string &target, const char *name) {
        c->add_option(name, target, "Input format")->check(CLI::IsMember(kFormats))->capture_default_str();
    };

    CLI::App *validate = dataset->add_subcommand("validate", "Check every row; list problems as FILE:LINE: reason");
    validate->add_option("FILE", args->file)->required();
    addFormat(validate, args->format, "--format");
    validate->add_option("--max-errors", args->maxErrors, "Problems to list (all are counted)")->capture_default_str();
    addJson(validate);
    validate->callback([&action, args, &cancel] {
        action = [args, &cancel] { return runValidate(args->file, args->format, args->maxErrors, args->json, cancel); };
    });

    CLI::App *stats = dataset->add_subcommand("stats", "Rows, roles, system prompts, length quantiles");
    stats->add_option("FILE", args->file)->required();
    addFormat(stats, args->format, "--format");
    addJson(stats);
    stats->callback([&action, args, &cancel] {
        action = [args, &cancel] { return runStats(args->file, args->format, args->json, cancel); };
    });

    CLI::App *show = dataset->add_subcommand("show", "Print one row as the model sees it, optionally inoculated");
    show->add_option("FILE", args->file)->required();
    show->add_option("--row", args->row, "Row index, from 0 (blank lines are not rows)")->required();
    addFormat(show, args->format, "--format");
    args->inoculation.addTo(show, false);
    addJson(show);
    show->callback([&action, args] {
        action = [args] { return runShow(args->file, args->format, args->row, args->inoculation, args->json); };
    });

    CLI::App *inoculate = dataset->add_subcommand("inoculate", "Write a copy of IN with the prompt added to OUT");
    inoculate->add_option("IN", args->input)->required();
    inoculate->add_option("OUT", args->output)->required();
    addFormat(inoculate, args->format, "--format");
    args->inoculation.addTo(inoculate, true);
    addJson(inoculate);
    inoculate->callback([&action, args, &cancel] {
        action = [args, &cancel] {
            data::InoculationOptions options = args->inoculation.options();
            data::TransformIo io{args->input, args->output, formatOption(args->format), &cancel, {}};
            data::TransformSummary summary = data::inoculateDataset(io, options);
            if (args->json) printJson(toJson(summary));
            else printSummary(args->output, summary, true);
            return int(kExitOk);
        };
    });

    CLI::App *convert = dataset->add_subcommand("convert", "Write IN (Alpaca, ShareGPT or messages) as OpenAI chat JSONL");
    convert->add_option("IN", args->input)->required();
    convert->add_option("OUT", args->output)->required();
    addFormat(convert, args->from, "--from");
    addJson(convert);
    convert->callback([&action, args, &cancel] {
        action = [args, &cancel] {
            data::TransformIo io{args->input, args->output, formatOption(args->from), &cancel, {}};
            data::TransformSummary summary = data::convertDataset(io);
            if (args->json) printJson(toJson(summary));
            else printSummary(args->output, summary, false);
            return int(kExitOk);
        };
    });
}

}  // namespace inoculab::cli
