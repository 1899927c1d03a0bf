#include "experiment_commands.h"

#include "exit_codes.h"
#include "experiment_elicit.h"
#include "experiment_run.h"

#include "experiment/experiment_spec.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>
#include <memory>

namespace inoculab::cli {

namespace {

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
    if (json) {
        nlohmann::ordered_json doc{{"file", path},
                                   {"valid", true},
                                   {"name", spec.name},
                                   {"spec_hash", hash},
                                   {"conditions", spec.conditions.size()},
                                   {"seeds", spec.seeds.size()},
                                   {"runs", runs},
                                   {"contexts", spec.evaluation.contexts.size()},
                                   {"traits", spec.traits.size()}};
        std::cout << doc.dump(2) << '\n';
        return kExitOk;
    }
    std::printf("%s: valid experiment \"%s\" (spec %.12s)\n", path.c_str(), spec.name.c_str(), hash.c_str());
    std::printf("  %zu conditions x %zu seeds = %zu runs; %zu test-time contexts; %zu traits; %zu probes\n",
                spec.conditions.size(), spec.seeds.size(), runs, spec.evaluation.contexts.size(), spec.traits.size(),
                spec.probes.size());
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
}

}  // namespace inoculab::cli
