#pragma once
// `inoculab-cli experiment ...`: checking experiment specs and running them
// (experiment_run.h).
#include "dataset_commands.h"

namespace inoculab::cli {

void addExperimentCommands(CLI::App &app, CommandAction &action, const common::CancelToken &cancel);

}  // namespace inoculab::cli
