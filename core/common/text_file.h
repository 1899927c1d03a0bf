#pragma once
// The whole of a small file (a JSON config, a job file, trainer.json) as bytes. Throws
// InputError "PATH: cannot be read" when it cannot be opened or read.

#include <string>

namespace inoculab::common {

std::string readTextFile(const std::string &path);

}  // namespace inoculab::common
