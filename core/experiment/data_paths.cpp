#include "experiment/data_paths.h"

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <system_error>

namespace inoculab::experiment {

namespace fs = std::filesystem;

std::string installedDataDir() {
    std::error_code error;
    const fs::path exe = fs::read_symlink("/proc/self/exe", error);
    if (error) return {};
    const fs::path data = exe.parent_path().parent_path() / "share" / "inoculab";
    return fs::is_directory(data / "toyworld", error) ? data.string() : std::string();
}

std::string toyWorldDir(const std::string &option) {
    if (!option.empty()) return option;
    if (const char *env = std::getenv("INOCULAB_DATA_DIR"); env && *env) return env;
    if (std::string installed = installedDataDir(); !installed.empty()) return installed + "/toyworld";
#ifdef INOCULAB_TOYWORLD_DIR
    return INOCULAB_TOYWORLD_DIR;
#else
    throw std::invalid_argument("this build has no built-in toy world; give its folder or set INOCULAB_DATA_DIR");
#endif
}

}  // namespace inoculab::experiment
