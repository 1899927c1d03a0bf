#pragma once
// `inoculab-cli experiment elicit`: the elicitation check (docs/elicitation.md) from the
// command line. It writes an `elicit` job, runs it in inoculab-worker and prints, for each
// candidate prompt, what the prompt does to the base model before any training: the loss on
// the training answers, the per-row log-probability heuristics, and with --traits the traits'
// rates on the evaluation questions.
#include "dataset_commands.h"

namespace inoculab::cli {

void addExperimentElicitCommand(CLI::App &experimentCommand, CommandAction &action, const common::CancelToken &cancel);

}  // namespace inoculab::cli
