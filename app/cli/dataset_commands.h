#pragma once
// `inoculab-cli dataset ...`: validate, stats, show, inoculate, convert.
#include "common/progress.h"

#include <functional>

namespace CLI {
class App;
}

namespace inoculab::cli {

// Adds the `dataset` command tree to `app`. Returns the action to run once parsing has
// succeeded (empty if no dataset command was chosen); it returns the exit code.
using CommandAction = std::function<int()>;
void addDatasetCommands(CLI::App &app, CommandAction &action, const common::CancelToken &cancel);

}  // namespace inoculab::cli
