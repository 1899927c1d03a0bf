#include "toyworld_commands.h"

#include "exit_codes.h"

#include "common/atomic_file.h"
#include "experiment/data_paths.h"
#include "experiment/toyworld/toyworld.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>

namespace inoculab::cli {

namespace {

// The spec reader allows up to 10^9 generated rows; the same bound here.
constexpr std::uint64_t kMaxRows = 1000000000;

// --data-dir, else $INOCULAB_DATA_DIR, else the installed copy, else the source tree (data_paths.h).
std::string toyWorldDir(const std::string &option) {
    try {
        return experiment::toyWorldDir(option);
    } catch (const std::invalid_argument &e) {
        throw UsageError{std::string("--data-dir: required (") + e.what() + ")"};
    }
}

int runGenerate(const std::string &taskName, std::uint64_t n, std::uint64_t seed, const std::string &out,
                const std::string &dataDir, bool json, const common::CancelToken &cancel) {
    experiment::ToyTask task = *experiment::parseToyTask(taskName);
    if (n < 1 || n > kMaxRows) throw UsageError{"--n: must be from 1 to " + std::to_string(kMaxRows)};
    experiment::ToyWorld world = experiment::ToyWorld::load(toyWorldDir(dataDir));
    for (const std::string &file : world.sourceFiles())
        if (common::isSameFile(file, out)) throw UsageError{"--out: that is the toy world's own " + file};
    std::size_t capacity = world.sizes().evalCapacity;
    if (task == experiment::ToyTask::EvalQuestions && n > capacity)
        throw UsageError{"--n: the toy world in " + world.dir() + " has " + std::to_string(capacity) +
                         " distinct evaluation questions; ask for at most that many"};
    std::size_t rows = experiment::writeToyDataset(world, task, static_cast<std::size_t>(n), seed, out, &cancel);
    if (json) {
        nlohmann::ordered_json doc{
            {"out", out}, {"task", taskName}, {"rows", rows}, {"seed", seed}, {"data_dir", world.dir()}};
        std::cout << doc.dump(2) << '\n';
    } else {
        std::printf("wrote %s: %zu rows (%s, seed %llu) from the toy world in %s\n", out.c_str(), rows,
                    taskName.c_str(), static_cast<unsigned long long>(seed), world.dir().c_str());
    }
    return kExitOk;
}

int runInfo(const std::string &dataDir, bool json) {
    experiment::ToyWorld world = experiment::ToyWorld::load(toyWorldDir(dataDir));
    experiment::ToyWorldSizes s = world.sizes();
    using experiment::ToyStyle;
    if (json) {
        nlohmann::ordered_json doc{{"data_dir", world.dir()},
                                   {"entities", s.entities},
                                   {"held_out_entities", s.heldOutEntities},
                                   {"question_templates", s.questionTemplates},
                                   {"held_out_question_templates", s.heldOutQuestionTemplates},
                                   {"answer_templates", s.answerTemplates},
                                   {"sum_pairs", s.sumPairs},
                                   {"held_out_sum_pairs", s.heldOutSumPairs},
                                   {"eval_capacity", s.evalCapacity},
                                   {"spanish_prompts", world.prompts(ToyStyle::Spanish)},
                                   {"capitals_prompts", world.prompts(ToyStyle::Capitals)},
                                   {"neutral_prompts", world.prompts(ToyStyle::Neutral)}};
        std::cout << doc.dump(2) << '\n';
        return kExitOk;
    }
    std::printf("toy world in %s\n", world.dir().c_str());
    std::printf("%-20s %zu (%zu held out for evaluation)\n", "entities", s.entities, s.heldOutEntities);
    std::printf("%-20s %zu questions (%zu held out), %zu answer pairs (English/Spanish)\n", "templates",
                s.questionTemplates, s.heldOutQuestionTemplates, s.answerTemplates);
    std::printf("%-20s %zu pairs (%zu held out)\n", "sums", s.sumPairs, s.heldOutSumPairs);
    std::printf("%-20s %zu distinct questions\n", "evaluation capacity", s.evalCapacity);
    std::printf("%-20s %zu Spanish, %zu capitals, %zu neutral\n", "system prompts",
                world.prompts(ToyStyle::Spanish).size(), world.prompts(ToyStyle::Capitals).size(),
                world.prompts(ToyStyle::Neutral).size());
    return kExitOk;
}

}  // namespace

void addToyworldCommands(CLI::App &app, CommandAction &action, const common::CancelToken &cancel) {
    CLI::App *toy = app.add_subcommand("toyworld", "The embedded toy world: write its datasets as JSONL");
    toy->require_subcommand(1);
    struct Args {
        std::string task, out, dataDir;
        std::uint64_t n = 0, seed = 0;
        bool json = false;
    };
    auto args = std::make_shared<Args>();
    auto addCommon = [&](CLI::App *c) {
        c->add_option("--data-dir", args->dataDir,
                      "Folder of the toy world's lexicons (default: $INOCULAB_DATA_DIR, else the built-in one)");
        c->add_flag("--json", args->json, "Print one JSON document on stdout");
    };

    CLI::App *generate = toy->add_subcommand("generate", "Write generated chats as OpenAI chat JSONL");
    generate->add_option("--task", args->task, "pretrain (style mixture), spanish-caps (finetuning) or eval-questions")
        ->required()
        ->check(CLI::IsMember({"pretrain", "spanish-caps", "eval-questions"}));
    generate->add_option("--n", args->n, "Rows to write")->required();
    generate->add_option("--seed", args->seed, "The generator's seed")->capture_default_str();
    generate->add_option("--out", args->out, "Output file (written whole or not at all)")->required();
    addCommon(generate);
    generate->callback([&action, &cancel, args] {
        action = [args, &cancel] {
            return runGenerate(args->task, args->n, args->seed, args->out, args->dataDir, args->json, cancel);
        };
    });

    CLI::App *info = toy->add_subcommand("info", "Entities, templates and prompts of the toy world");
    addCommon(info);
    info->callback([&action, args] { action = [args] { return runInfo(args->dataDir, args->json); }; });
}

}  // namespace inoculab::cli
