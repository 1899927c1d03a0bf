#pragma once
// `inoculab-cli system info [--json]`: what this installation trains on (libtorch and where it
// was loaded from, CUDA and why not, the GPUs, BLAS, threads). The worker computes it, since
// only the worker links libtorch; this replaces the process with `inoculab-worker --system-info`.
#include "dataset_commands.h"

namespace inoculab::cli {

void addSystemCommands(CLI::App &app, CommandAction &action);

}  // namespace inoculab::cli
