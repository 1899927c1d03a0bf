#pragma once
// `inoculab-cli experiment run` and `inoculab-cli worker`: the experiment runner starts one
// `inoculab-worker` process per job (pretraining the toy base model once, then each condition
// x seed run not yet done in the store, a few at a time) and shows their progress. This
// program never links libtorch; the workers do.
#include "dataset_commands.h"

namespace inoculab::cli {

void addExperimentRunCommand(CLI::App &experimentCommand, CommandAction &action, const common::CancelToken &cancel);
// `worker ...` replaces this process with inoculab-worker and the same arguments.
void addWorkerCommand(CLI::App &app, CommandAction &action, int argc, char **argv);

}  // namespace inoculab::cli
