#pragma once
// The NVIDIA GPUs this machine has, whatever libtorch was built with: read through NVML
// (libnvidia-ml.so.1, which the NVIDIA driver installs), loaded at run time so that nothing
// links against it and a machine without the driver simply has no GPUs. So a CPU-only
// libtorch on a GPU workstation can be told apart from a machine without a GPU.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace inoculab::system {

struct GpuInfo {
    int index = 0;
    std::string name;
    std::int64_t memoryTotal = 0;  // bytes
    std::int64_t memoryFree = 0;
    int computeMajor = 0, computeMinor = 0;
    bool bf16() const { return computeMajor >= 8; }  // Ampere and later
};

struct GpuList {
    std::vector<GpuInfo> gpus;
    std::string driverVersion;  // empty without a driver
    std::string source;         // "nvml", "none: <why>", or the fake file's path
};

// The machine's GPUs. $INOCULAB_FAKE_GPUS names a JSON file that stands in for NVML (the
// seam the tests use): {"driver": "...", "gpus": [{"name", "memory_total", "memory_free",
// "compute_capability": "9.0"}]}; a malformed file is an InputError naming it.
GpuList listGpus();

nlohmann::json toJson(const GpuList &list);

}  // namespace inoculab::system
