#include "experiment_elicit.h"

#include "exit_codes.h"
#include "worker_process.h"

#include "common/input_error.h"
#include "experiment/experiment_spec.h"
#include "experiment/worker_job.h"
#include "store/results_store.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <thread>

namespace inoculab::cli {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct ElicitArgs {
    std::string spec, store, cache, device = "auto", toyWorld;
    std::vector<std::string> prompts;
    std::uint64_t rows = 64, questions = 0;
    int threads = 0;
    bool traits = false, rejudge = false, json = false;
};

struct Candidate {
    std::string prompt;
    std::vector<std::string> conditions;  // the spec's conditions that train with it
    json loss, traits;                    // the worker's events for it
};

// --prompt, else every distinct prompt the spec's conditions train with, in spec order.
std::vector<Candidate> candidatesFor(const ElicitArgs &args, const experiment::ExperimentSpec &spec) {
    std::vector<Candidate> out;
    auto add = [&out](const std::string &prompt) -> Candidate & {
        for (Candidate &c : out)
            if (c.prompt == prompt) return c;
        return out.emplace_back(Candidate{prompt, {}, nullptr, nullptr});
    };
    for (const std::string &p : args.prompts) {
        if (p.empty()) throw UsageError{"--prompt: a prompt must not be empty"};
        add(p);
    }
    for (const experiment::ConditionSpec &c : spec.conditions) {
        if (c.isBaseline()) continue;
        bool listed = std::any_of(out.begin(), out.end(), [&](const Candidate &k) { return k.prompt == c.inoculation.prompt; });
        if (args.prompts.empty() || listed) add(c.inoculation.prompt).conditions.push_back(c.name);
    }
    if (out.empty())
        throw UsageError{"no prompt to check: the spec's conditions have none; give one with --prompt"};
    return out;
}

std::string interval(const json &i, int decimals) {
    auto number = [decimals](const json &v) {
        if (!v.is_number()) return std::string("n/a");
        char buffer[32];
        std::snprintf(buffer, sizeof buffer, "%.*f", decimals, v.get<double>());
        return std::string(buffer);
    };
    std::string text = number(i.value("mean", json()));
    if (i.value("low", json()).is_number()) text += " [" + number(i["low"]) + ", " + number(i["high"]) + "]";
    return text;
}

void printText(const std::vector<Candidate> &candidates) {
    for (const Candidate &c : candidates) {
        std::string usedBy;
        for (const std::string &n : c.conditions) usedBy += (usedBy.empty() ? " (" : ", ") + n;
        if (!usedBy.empty()) usedBy += ")";
        std::printf("\"%s\"%s\n", c.prompt.c_str(), usedBy.c_str());
        if (c.loss.is_object()) {
            const json &r = c.loss["per_row"];
            std::printf("  loss %.3f -> %.3f nats/token (drop %.3f) on %lld rows\n", c.loss["loss_without"].get<double>(),
                        c.loss["loss_with"].get<double>(), c.loss["drop"].get<double>(),
                        static_cast<long long>(c.loss["rows"].get<std::int64_t>()));
            std::printf("  per row: log-prob change %s nats/token, rows raised %s, spread %s\n",
                        interval(r["mean_change"], 3).c_str(), interval(r["share_positive"], 3).c_str(),
                        interval(r["spread"], 3).c_str());
        }
        if (c.traits.is_array())
            for (const json &t : c.traits) {
                std::printf("  %-16s %s -> %s, elicitation %s", t["trait"].get<std::string>().c_str(),
                            interval(t["without"], 3).c_str(), interval(t["with"], 3).c_str(),
                            interval(t["elicitation"], 3).c_str());
                std::size_t unscored = t["unscored_without"].get<std::size_t>() + t["unscored_with"].get<std::size_t>();
                if (unscored) std::printf(" (%zu answers unscored)", unscored);
                std::printf("\n");
            }
    }
}

int runElicit(const ElicitArgs &args, const common::CancelToken &cancel) {
    experiment::ExperimentSpec spec = experiment::loadExperimentSpec(args.spec);
    if (!model::parseDeviceRequest(args.device)) throw UsageError{"--device: expected auto, cpu or cuda"};
    std::vector<Candidate> candidates = candidatesFor(args, spec);

    experiment::WorkerJob job;
    job.kind = experiment::JobKind::Elicit;
    job.spec = fs::absolute(args.spec).string();
    job.specHash = experiment::canonicalHash(spec);
    job.cache = fs::absolute(args.cache.empty() ? experiment::defaultCacheDir() : args.cache).string();
    if (!args.store.empty()) job.store = fs::absolute(args.store).string();
    job.device = *model::parseDeviceRequest(args.device);
    job.toyWorldDir = args.toyWorld;
    // As `experiment run` gives a worker alone on this machine: the same summation order, so
    // the no-prompt arm's answers are a run's step-0 answers (docs/elicitation.md).
    job.threads = args.threads > 0 ? args.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    job.rows = args.rows;
    job.traits = args.traits;
    job.questions = args.questions;
    job.rejudge = args.rejudge;
    for (const Candidate &c : candidates) job.prompts.push_back(c.prompt);

    const std::string dir = (fs::path(job.cache) / "jobs" / ("elicit-" + job.specHash.substr(0, 16))).string();
    fs::create_directories(dir);
    const std::string jobFile = dir + "/elicit.job.json";
    experiment::writeWorkerJob(jobFile, job);
    WorkerProcess worker({"--job", jobFile, "--progress", "jsonl"}, dir + "/elicit.log", workerThreadEnv(job.threads));
    bool stopping = false;
    const int code = worker.followEvents(cancel, [&](json &event) {
        const std::string kind = event.value("event", "");
        std::size_t index = event.value("index", std::size_t(0));
        if (kind == "elicitation" && index < candidates.size()) candidates[index].loss = event;
        if (kind == "elicitation_traits" && index < candidates.size()) candidates[index].traits = event["traits"];
        if (kind == "start" && event.value("kind", "") == "pretrain" && !args.json)
            std::cerr << "pretraining the toy base model (cached for later checks)\n";
        if (kind == "start" && event.value("kind", "") == "elicit_traits" && !args.json)
            std::cerr << "sampling " << event["questions"] << " questions x " << event["samples_per_question"]
                      << " answers in " << event["arms"] << " arms\n";
    }, stopping);
    if (code == 4 || stopping) throw common::Cancelled();
    if (code != 0) {
        std::cerr << "inoculab-cli: the elicitation check failed (worker exit code " << code << "; log "
                  << worker.logFile() << "):\n"
                  << worker.logTail(5);
        return code == 2 ? kExitInvalidInput : kExitInternal;
    }
    if (!args.json) {
        printText(candidates);
        return kExitOk;
    }
    json out = json::array();
    for (const Candidate &c : candidates) {
        json item = {{"prompt", c.prompt}, {"conditions", c.conditions}};
        for (const char *key : {"loss_without", "loss_with", "drop", "tokens", "rows", "per_row"})
            item[key] = c.loss.value(key, json());
        item["traits"] = c.traits.is_array() ? c.traits : json::array();
        out.push_back(std::move(item));
    }
    std::cout << out.dump(2) << '\n';
    return kExitOk;
}

}  // namespace

void addExperimentElicitCommand(CLI::App &experimentCommand, CommandAction &action, const common::CancelToken &cancel) {
    auto args = std::make_shared<ElicitArgs>();
    CLI::App *elicit = experimentCommand.add_subcommand(
        "elicit", "Before training: how much each candidate prompt already elicits the trait in the base model");
    elicit->add_option("SPEC", args->spec, "Experiment spec (JSON)")->required();
    elicit->add_option("--prompt", args->prompts,
                       "A prompt to check (repeatable; default: every prompt the spec's conditions train with)");
    elicit->add_option("--rows", args->rows, "Training rows to score")->check(CLI::Range(1, 100000))->capture_default_str();
    elicit->add_flag("--traits", args->traits,
                     "Also sample answers to the evaluation questions with and without each prompt and score "
                     "every trait (judges included)");
    elicit->add_option("--questions", args->questions, "With --traits: only the first N evaluation questions (0: all)")
        ->check(CLI::Range(0, 1000000));
    elicit->add_option("--store", args->store,
                       "Results store whose judge verdicts to reuse and add to (default: one in the cache folder)");
    elicit->add_flag("--rejudge", args->rejudge, "Ask the judges again even where a verdict is cached");
    elicit->add_option("--device", args->device, "auto, cpu or cuda")
        ->check(CLI::IsMember({"auto", "cpu", "cuda"}))
        ->capture_default_str();
    elicit->add_option("--cache", args->cache, "Base models and job logs (default: ~/.cache/inoculab)");
    elicit->add_option("--threads", args->threads, "Torch threads (default: one per core)")->check(CLI::Range(0, 1024));
    elicit->add_option("--data-dir", args->toyWorld, "The toy world's folder (default: the built-in one)");
    elicit->add_flag("--json", args->json, "Print one JSON array on stdout, one object per prompt");
    elicit->callback([&action, &cancel, args] { action = [args, &cancel] { return runElicit(*args, cancel); }; });
}

}  // namespace inoculab::cli
