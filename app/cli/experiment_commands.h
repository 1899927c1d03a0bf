#pragma once
// `inoculab-cli experiment ...`: checking experiment specs (running them comes with the
// training engine).
#include "dataset_commands.h"

namespace inoculab::cli {

void addExperimentCommands(CLI::App &app, CommandAction &action);

}  // namespace inoculab::cli
