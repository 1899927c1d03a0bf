#pragma once
// Where built-in data lives: an explicit folder, else $INOCULAB_DATA_DIR, else the folder
// this build was configured with (packaging installs the data and points it there).

#include <string>

namespace inoculab::experiment {

// The toy world's folder. Throws std::invalid_argument when none is known.
std::string toyWorldDir(const std::string &option = {});

}  // namespace inoculab::experiment
