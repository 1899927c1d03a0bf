#pragma once
// What `inoculab-cli system info` prints: the program's version, the libtorch it runs on and
// where that was loaded from, whether it can train on CUDA (and if not, why), the machine's
// GPUs, the BLAS and thread setup, the CPU. Computed in the worker, which links libtorch.

#include <nlohmann/json.hpp>

#include <string>

namespace inoculab::system {

nlohmann::json systemReport(const std::string &inoculabVersion, const std::string &builtAgainst);

// A few lines for a terminal, from systemReport's JSON (in inoculab_core: no libtorch needed).
std::string formatSystemReport(const nlohmann::json &report);

}  // namespace inoculab::system
