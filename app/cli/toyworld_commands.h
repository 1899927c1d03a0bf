#pragma once
// `inoculab-cli toyworld ...`: write the embedded toy world's datasets (pretraining mixture,
// Spanish-capitals finetuning set, held-out evaluation questions) as OpenAI chat JSONL.
#include "dataset_commands.h"

namespace inoculab::cli {

void addToyworldCommands(CLI::App &app, CommandAction &action, const common::CancelToken &cancel);

}  // namespace inoculab::cli
