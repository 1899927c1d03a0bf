#pragma once
// `inoculab-cli results ...`: list, summary and export from the results store.
#include "dataset_commands.h"

namespace inoculab::cli {

void addResultsCommands(CLI::App &app, CommandAction &action);

}  // namespace inoculab::cli
