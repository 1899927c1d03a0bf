#include "experiment_commands.h"

#include "exit_codes.h"
#include "experiment_elicit.h"
#include "experiment_run.h"
#include "experiment_slurm.h"

#include "experiment/experiment_spec.h"
#include "experiment/memory_plan.h"
#include "system/gpu_list.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>
#include <memory>

namespace inoculab::cli {

namespace {

const char *fitName(train::MemoryFit fit) {
    switch (fit) {
    case train::MemoryFit::Fits: return "fits";
    case train::MemoryFit::Close: return "close";
    case train::MemoryFit::DoesNotFit: return "does_not_fit";
    }
    return "fits";
}

// What training the spec needs of a GPU (memory_plan.h), and how that compares with each GPU
// this machine has ($INOCULAB_FAKE_GPUS in the tests).
nlohmann::ordered_json gpuMemoryJson(const experiment::SpecMemoryPlan &plan, std::int64_t batchSize,
                                     const system::GpuList &gpus) {
    const train::MemoryEstimate &e = plan.estimate;
    nlohmann::ordered_json doc{{"estimate_bytes", e.total()},        {"weights_bytes", e.weights},
                               {"gradients_bytes", e.gradients},     {"optimizer_bytes", e.optimizer},
                               {"activations_bytes", e.activations}, {"logits_bytes", e.logits},
                               {"overhead_bytes", e.overhead},       {"rows_per_forward", plan.settings.rowsPerForward},
                               {"length", plan.settings.length},     {"gpus", nlohmann::ordered_json::array()}};
    for (const system::GpuInfo &g : gpus.gpus) {
        train::MemoryVerdict v = train::judgeTrainingMemory(plan.shape, plan.settings, batchSize, g.memoryFree);
        doc["gpus"].push_back({{"index", g.index},
                               {"name", g.name},
                               {"free_bytes", g.memoryFree},
                               {"fit", fitName(v.fit)},
                               {"largest_rows_per_forward", v.largestRowsPerForward},
                               {"message", v.message}});
    }
    return doc;
}

int runValidate(const std::string &path, bool json) {
    // Problems come out of loadExperimentSpec as one SpecError listing each with its JSON
    // path; main() prints it and exits 2.
    experiment::ExperimentSpec spec = experiment::loadExperimentSpec(path);
    // A template spec (datasets/experiments/emergent-misalignment.json) parses but names
    // files still to be filled in: say which, the same way.
    if (std::vector<experiment::SpecProblem> missing = experiment::missingInputs(spec, path); !missing.empty())
        throw experiment::SpecError(path, missing);
    std::string hash = experiment::canonicalHash(spec);
    std::size_t runs = spec.conditions.size() * spec.seeds.size();
    const nlohmann::ordered_json memory =
        gpuMemoryJson(experiment::memoryPlanFor(spec, path), spec.training.batchSize, system::listGpus());
    if (json) {
        nlohmann::ordered_json doc{{"file", path},
                                   {"valid", true},
                                   {"name", spec.name},
                                   {"spec_hash", hash},
                                   {"conditions", spec.conditions.size()},
                                   {"seeds", spec.seeds.size()},
                                   {"runs", runs},
                                   {"contexts", spec.evaluation.contexts.size()},
                                   {"traits", spec.traits.size()},
                                   {"gpu_memory", memory}};
        std::cout << doc.dump(2) << '\n';
        return kExitOk;
    }
    std::printf("%s: valid experiment \"%s\" (spec %.12s)\n", path.c_str(), spec.name.c_str(), hash.c_str());
    std::printf("  %zu conditions x %zu seeds = %zu runs; %zu test-time contexts; %zu traits; %zu probes\n",
                spec.conditions.size(), spec.seeds.size(), runs, spec.evaluation.contexts.size(), spec.traits.size(),
                spec.probes.size());
    std::printf("  training on a GPU needs an estimated %s at %lld rows of %lld tokens per forward pass (docs/gpu.md)\n",
                train::gibText(memory["estimate_bytes"].get<std::int64_t>()).c_str(),
                static_cast<long long>(memory["rows_per_forward"].get<std::int64_t>()),
                static_cast<long long>(memory["length"].get<std::int64_t>()));
    for (const auto &g : memory["gpus"])
        std::printf("  GPU %d (%s): %s\n", g["index"].get<int>(), g["name"].get<std::string>().c_str(),
                    g["fit"] == "fits" ? ("fits, " + train::gibText(g["free_bytes"].get<std::int64_t>()) + " free").c_str()
                                       : g["message"].get<std::string>().c_str());
    for (const experiment::ConditionSpec &c : spec.conditions)
        std::printf("  %-24s %s\n", c.name.c_str(),
                    c.isBaseline() ? "(baseline: no prompt)"
                                   : ("[" + std::string(data::placementName(c.inoculation.placement)) + "] " +
                                      c.inoculation.prompt)
                                         .c_str());
    return kExitOk;
}

}  // namespace

void addExperimentCommands(CLI::App &app, CommandAction &action, const common::CancelToken &cancel) {
    CLI::App *experimentCommand = app.add_subcommand("experiment", "Experiment specs");
    experimentCommand->require_subcommand(1);
    struct Args {
        std::string spec;
        bool json = false;
    };
    auto args = std::make_shared<Args>();
    CLI::App *validate = experimentCommand->add_subcommand("validate", "Check a spec; list every problem with its path");
    validate->add_option("SPEC", args->spec, "Experiment spec (JSON)")->required();
    validate->add_flag("--json", args->json, "Print one JSON document on stdout");
    validate->callback([&action, args] { action = [args] { return runValidate(args->spec, args->json); }; });
    addExperimentRunCommand(*experimentCommand, action, cancel);
    addExperimentElicitCommand(*experimentCommand, action, cancel);
    addExperimentCollectCommand(*experimentCommand, action);
}

}  // namespace inoculab::cli
