#include "experiment/data_paths.h"

#include <cstdlib>
#include <stdexcept>

namespace inoculab::experiment {

std::string toyWorldDir(const std::string &option) {
    if (!option.empty()) return option;
    if (const char *env = std::getenv("INOCULAB_DATA_DIR"); env && *env) return env;
#ifdef INOCULAB_TOYWORLD_DIR
    return INOCULAB_TOYWORLD_DIR;
#else
    throw std::invalid_argument("this build has no built-in toy world; give its folder or set INOCULAB_DATA_DIR");
#endif
}

}  // namespace inoculab::experiment
