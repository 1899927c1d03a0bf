#pragma once
// `inoculab-cli toyworld ...`: write the toy world's datasets to JSONL (placeholder).
#include "dataset_commands.h"

namespace inoculab::cli {

void addToyworldCommands(CLI::App &app, CommandAction &action);

}  // namespace inoculab::cli
