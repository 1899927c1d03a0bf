#include "results_commands.h"

#include "exit_codes.h"

#include "common/atomic_file.h"
#include "common/input_error.h"
#include "store/results_queries.h"
#include "store/results_store.h"
#include "store/sample_queries.h"
#include "store/summary_export.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <limits>
#include <memory>
#include <optional>

namespace inoculab::cli {

namespace {

using store::ResultsStore;

// Reading commands never change the store (not even a schema upgrade).
ResultsStore openForReading(const std::string &path) { return ResultsStore::open(path, ResultsStore::Access::ReadOnly); }

store::ExperimentRecord findExperiment(ResultsStore &store, const std::string &name) {
    if (auto found = store.findExperiment(name)) return *found;
    std::string known;
    for (const auto &e : store.experiments()) known += (known.empty() ? "" : ", ") + e.name;
    throw UsageError{"--experiment: no experiment \"" + name + "\" in " + store.path() +
                     (known.empty() ? " (it has none)" : " (it has: " + known + ")")};
}

int runList(const std::string &path, bool json) {
    ResultsStore store = openForReading(path);
    nlohmann::ordered_json doc = nlohmann::ordered_json::array();
    for (const store::ExperimentRecord &e : store.experiments()) {
        nlohmann::ordered_json runs = nlohmann::ordered_json::array();
        if (!json) std::printf("%s  (spec %.12s, registered %s)\n", e.name.c_str(), e.specHash.c_str(), e.createdAt.c_str());
        for (const store::RunRecord &r : store.runs(e.id)) {
            std::string status(store::runStatusName(r.status));
            if (json) {
                runs.push_back({{"condition", r.condition},
                                {"seed", r.seed},
                                {"base_seed", r.baseSeed ? nlohmann::ordered_json(*r.baseSeed) : nullptr},
                                {"status", status},
                                {"device", r.device ? nlohmann::ordered_json(*r.device) : nullptr},
                                {"started_at", r.startedAt ? nlohmann::ordered_json(*r.startedAt) : nullptr},
                                {"finished_at", r.finishedAt ? nlohmann::ordered_json(*r.finishedAt) : nullptr},
                                {"error", r.error ? nlohmann::ordered_json(*r.error) : nullptr}});
                continue;
            }
            std::printf("  %-28s %-16s %-9s %-8s %s\n", r.condition.c_str(), store::runLabel(r.baseSeed, r.seed).c_str(),
                        status.c_str(), r.device.value_or("").c_str(), r.error.value_or("").c_str());
        }
        if (json) doc.push_back({{"name", e.name}, {"spec_hash", e.specHash}, {"created_at", e.createdAt}, {"runs", runs}});
    }
    if (json) std::cout << doc.dump(2) << '\n';
    return kExitOk;
}

std::string bounds(const stats::Interval &i) {
    if (std::isnan(i.low)) return "(n < 2)";
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "[%.3f, %.3f]", i.low, i.high);
    return buffer;
}

int runSummary(const std::string &path, const std::string &experiment, const std::string &context,
               std::optional<std::int64_t> step, bool json) {
    ResultsStore store = openForReading(path);
    store::ExperimentRecord e = findExperiment(store, experiment);
    store::SummaryOptions options;
    if (!context.empty()) options.context = context;
    options.step = step;
    auto rows = store::traitSummary(store, e.id, options);
    if (json) {
        std::cout << store::summaryToJson(rows).dump(2) << '\n';
        return kExitOk;
    }
    if (rows.empty()) {
        std::printf("%s: no finished runs with evaluations yet\n", e.name.c_str());
        return kExitOk;
    }
    std::size_t bases = 1;
    for (const auto &row : rows) bases = std::max(bases, row.baseModels);
    if (bases > 1)
        std::printf("%zu base models: the mean and 95%% CI are across base models, each the mean of its seed models; "
                    "b1/0 is seed 0 on base model 1\n",
                    bases);
    std::printf("%-24s %-14s %-12s %7s  %-18s %-9s %s\n", "condition", "context", "trait", "mean", "95% CI", "method",
                "per seed");
    for (const auto &row : rows) {
        std::string perSeed;
        for (std::size_t i = 0; i < row.perSeed.size(); ++i) {
            char value[32];
            std::snprintf(value, sizeof value, ":%.3f", row.perSeed[i]);
            // "0:0.950", or "b1/0:0.950" for seed 0 of base model 1 when there are several
            perSeed += (i ? " " : "") +
                       (row.baseModels > 1 && row.baseSeeds[i] ? "b" + std::to_string(*row.baseSeeds[i]) + "/" : "") +
                       std::to_string(row.seeds[i]) + value;
        }
        std::string excluded;
        if (row.undefined || row.dropped)
            excluded = "  (left out: " + std::to_string(row.undefined) + " undefined, " + std::to_string(row.dropped) +
                       " dropped)";
        // Across base models a Wilson trait's interval is a t-interval (stats::acrossBaseModels).
        const stats::IntervalMethod method =
            row.baseModels > 1 && row.method == stats::IntervalMethod::Wilson ? stats::IntervalMethod::T : row.method;
        std::printf("%-24s %-14s %-12s %7.3f  %-18s %-9s %s%s\n", row.condition.c_str(), row.context.c_str(),
                    row.trait.c_str(), row.interval.mean, bounds(row.interval).c_str(),
                    std::string(stats::intervalMethodName(method)).c_str(), perSeed.c_str(), excluded.c_str());
    }
    return kExitOk;
}

int runExport(const std::string &path, const std::string &experiment, const std::string &format,
              const std::string &out) {
    if (common::isSameFile(path, out)) throw UsageError{"--out: that is the results store itself"};
    ResultsStore store = openForReading(path);
    store::ExperimentRecord e = findExperiment(store, experiment);
    auto rows = store::traitSummary(store, e.id);
    std::string text = store::exportSummary(rows, *store::parseExportFormat(format),
                                            e.name + ": trait expression per condition, mean across seeds with 95% CI" +
                                                (std::any_of(rows.begin(), rows.end(),
                                                             [](const auto &r) { return r.baseModels > 1; })
                                                     ? std::string(" (across base models)")
                                                     : std::string()));
    common::AtomicFileWriter writer(out);
    writer.write(text);
    writer.commit();
    std::printf("wrote %s: %zu rows (%s)\n", out.c_str(), rows.size(), format.c_str());
    return kExitOk;
}

nlohmann::ordered_json nullable(const std::optional<double> &value) {
    return value ? nlohmann::ordered_json(*value) : nlohmann::ordered_json(nullptr);
}

// `scores` maps each trait to {value, judge_score, judge_mass, dropped}; the judge's fields are
// null for traits a rule scores.
nlohmann::ordered_json sampleJson(const store::SampleRow &row) {
    nlohmann::ordered_json scores = nlohmann::ordered_json::object();
    for (const store::SampleScore &s : row.scores)
        scores[s.trait] = {{"value", nullable(s.value)},
                           {"judge_score", s.judged ? nullable(s.judgeScore) : nullptr},
                           {"judge_mass", s.judged ? nlohmann::ordered_json(s.judgeMass) : nullptr},
                           {"dropped", s.judged ? nlohmann::ordered_json(s.dropped) : nullptr}};
    return {{"condition", row.condition}, {"seed", row.seed},         {"step", row.step},
            {"context", row.context},     {"question", row.question}, {"answer", row.answer},
            {"scores", scores}};
}

int runSamples(const std::string &path, const std::string &experiment, const store::SampleFilter &filter, bool json) {
    ResultsStore store = openForReading(path);
    store::ExperimentRecord e = findExperiment(store, experiment);
    std::vector<store::SampleRow> rows = store::evaluationSamples(store, e.id, filter);
    if (json) {
        // One array, written element by element: a store may hold millions of answers.
        std::cout << "[";
        for (std::size_t i = 0; i < rows.size(); ++i)
            std::cout << (i ? ",\n  " : "\n  ") << sampleJson(rows[i]).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        std::cout << (rows.empty() ? "]\n" : "\n]\n");
        return kExitOk;
    }
    for (const store::SampleRow &row : rows) {
        std::printf("%s seed %llu step %lld %s q%lld.%lld\n", row.condition.c_str(), (unsigned long long)row.seed,
                    (long long)row.step, row.context.c_str(), (long long)row.questionIndex, (long long)row.sampleIndex);
        std::printf("  Q: %s\n  A: %s\n ", row.question.c_str(), row.answer.c_str());
        for (const store::SampleScore &s : row.scores) {
            char text[160];
            if (!s.judged)
                std::snprintf(text, sizeof text, " %s %.3f", s.trait.c_str(), s.value.value_or(std::nan("")));
            else if (!s.judgeScore)
                std::snprintf(text, sizeof text, " %s undefined (mass %.2f)", s.trait.c_str(), s.judgeMass);
            else
                std::snprintf(text, sizeof text, " %s %s (judge %.1f, mass %.2f)", s.trait.c_str(),
                              s.dropped ? "dropped" : (s.value && *s.value > 0 ? "yes" : "no"), *s.judgeScore, s.judgeMass);
            std::printf("%s", text);
        }
        std::printf("\n");
    }
    if (rows.empty()) std::printf("%s: no evaluation samples match\n", e.name.c_str());
    return kExitOk;
}

}  // namespace

void addResultsCommands(CLI::App &app, CommandAction &action) {
    CLI::App *results = app.add_subcommand("results", "Results store: list runs, summarise, read the answers, export");
    results->require_subcommand(1);
    struct Args {
        std::string store = ResultsStore::defaultPath(), experiment, context, format, out;
        std::optional<std::int64_t> step;
        bool json = false;
        store::SampleFilter filter;
    };
    auto args = std::make_shared<Args>();
    auto addStore = [&](CLI::App *c) {
        c->add_option("--store", args->store, "Results store (SQLite)")->capture_default_str();
    };

    CLI::App *list = results->add_subcommand("list", "Experiments and their runs with status");
    addStore(list);
    list->add_flag("--json", args->json, "Print one JSON document on stdout");
    list->callback([&action, args] { action = [args] { return runList(args->store, args->json); }; });

    CLI::App *summary = results->add_subcommand("summary", "Trait expression per condition, context and trait");
    addStore(summary);
    summary->add_option("--experiment", args->experiment, "Experiment name or spec hash prefix")->required();
    summary->add_option("--context", args->context, "Only this test-time context");
    summary->add_option("--step", args->step,
                        "Evaluations at this training step (0: the base model, when the spec evaluates "
                        "during training); default: each run's last");
    summary->add_flag("--json", args->json, "Print one JSON array on stdout");
    summary->callback([&action, args] {
        action = [args] { return runSummary(args->store, args->experiment, args->context, args->step, args->json); };
    });

    CLI::App *samples = results->add_subcommand("samples", "Every evaluation answer with its trait and judge scores");
    addStore(samples);
    samples->add_option("--experiment", args->experiment, "Experiment name or spec hash prefix")->required();
    samples->add_option("--condition", args->filter.condition, "Only this condition");
    samples->add_option("--seed", args->filter.seed, "Only this seed");
    samples->add_option("--context", args->filter.context, "Only this test-time context");
    samples->add_option("--step", args->filter.step, "Only evaluations at this training step");
    samples->add_option("--text", args->filter.text, "Only answers or questions containing this text");
    samples->add_option("--limit", args->filter.limit, "At most this many answers (default: all)")
        ->check(CLI::Range(std::int64_t{1}, std::numeric_limits<std::int64_t>::max()));
    samples->add_flag("--json", args->json,
                      "Print one JSON array: condition, seed, step, context, question, answer, scores");
    samples->callback([&action, args] {
        action = [args] { return runSamples(args->store, args->experiment, args->filter, args->json); };
    });

    CLI::App *exportCommand = results->add_subcommand("export", "Write the summary as CSV, JSON or a LaTeX table");
    addStore(exportCommand);
    exportCommand->add_option("--experiment", args->experiment, "Experiment name or spec hash prefix")->required();
    exportCommand->add_option("--format", args->format, "csv, json or latex")
        ->required()
        ->check(CLI::IsMember({"csv", "json", "latex"}));
    exportCommand->add_option("--out", args->out, "Output file (written whole or not at all)")->required();
    exportCommand->callback([&action, args] {
        action = [args] { return runExport(args->store, args->experiment, args->format, args->out); };
    });
}

}  // namespace inoculab::cli
