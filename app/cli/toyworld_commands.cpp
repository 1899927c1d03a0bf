#include "toyworld_commands.h"

#include <CLI/CLI.hpp>

namespace inoculab::cli {

void addToyworldCommands(CLI::App &, CommandAction &) {}

}  // namespace inoculab::cli
