#pragma once
// Where built-in data lives: an explicit folder, else $INOCULAB_DATA_DIR, else the installed
// copy beside the program (<prefix>/share/inoculab/, where the package puts it), else the
// source tree this build was configured from (a program run from its build folder).

#include <string>

namespace inoculab::experiment {

// The toy world's folder. Throws std::invalid_argument when none is known.
std::string toyWorldDir(const std::string &option = {});

// <prefix>/share/inoculab for a program installed in <prefix>/bin, when that folder exists;
// empty otherwise.
std::string installedDataDir();

}  // namespace inoculab::experiment
