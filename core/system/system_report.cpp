#include "system/system_report.h"

#include "model/torch_compat.h"
#include "system/gpu_list.h"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

extern "C" void cblas_sgemm();  // only its address is taken: which library provides BLAS

namespace inoculab::system {

namespace {

// The shared library holding `symbol`, links resolved (libblas.so.3 is an alternatives link
// to the BLAS in use), or empty.
std::string libraryOf(const void *symbol) {
    Dl_info info{};
    if (!::dladdr(symbol, &info) || !info.dli_fname) return {};
    std::error_code error;
    std::filesystem::path resolved = std::filesystem::canonical(info.dli_fname, error);
    return error ? std::string(info.dli_fname) : resolved.string();
}

std::string cpuModel() {
    std::ifstream in("/proc/cpuinfo");
    for (std::string line; std::getline(in, line);)
        if (line.rfind("model name", 0) == 0) {
            auto colon = line.find(':');
            return colon == std::string::npos ? line : line.substr(line.find_first_not_of(' ', colon + 1));
        }
    return {};
}

nlohmann::json envOrNull(const char *name) {
    const char *value = std::getenv(name);
    return value ? nlohmann::json(value) : nlohmann::json();
}

nlohmann::json blasReport() {
    nlohmann::json out = {{"library", libraryOf(reinterpret_cast<const void *>(&cblas_sgemm))}};
    // OpenBLAS says what it is and which kernels it picked for this CPU.
    if (auto config = reinterpret_cast<char *(*)()>(::dlsym(RTLD_DEFAULT, "openblas_get_config"))) out["config"] = config();
    if (auto core = reinterpret_cast<char *(*)()>(::dlsym(RTLD_DEFAULT, "openblas_get_corename"))) out["kernels"] = core();
    if (auto threads = reinterpret_cast<int (*)()>(::dlsym(RTLD_DEFAULT, "openblas_get_num_threads")))
        out["threads"] = threads();
    return out;
}

}  // namespace

nlohmann::json systemReport(const std::string &inoculabVersion, const std::string &builtAgainst) {
    GpuList gpus = listGpus();
    // A CUDA build of libtorch links libtorch_cuda.so; a CPU build has none to find.
    const bool cudaBuilt = ::dlopen("libtorch_cuda.so", RTLD_NOW | RTLD_NOLOAD) != nullptr;
    const bool cudaUsable = model::compat::cudaAvailable();
    std::string whyNotCuda;
    if (!cudaBuilt)
        whyNotCuda = "libtorch was built without CUDA";
    else if (gpus.gpus.empty())
        whyNotCuda = "no NVIDIA GPU is visible (" + gpus.source + ")";
    else if (!cudaUsable)
        whyNotCuda = "libtorch finds no usable CUDA device (driver too old for its CUDA, or CUDA_VISIBLE_DEVICES)";
    return {
        {"inoculab", {{"version", inoculabVersion}, {"built_against", builtAgainst}}},
        {"libtorch",
         {{"version", model::compat::torchVersion()},
          {"library", libraryOf(reinterpret_cast<const void *>(&at::get_num_threads))},
          {"cuda_built", cudaBuilt}}},
        {"cuda",
         {{"usable", cudaUsable},
          {"devices", cudaUsable ? static_cast<int>(torch::cuda::device_count()) : 0},
          {"why_not", whyNotCuda.empty() ? nlohmann::json() : nlohmann::json(whyNotCuda)},
          {"visible_devices", envOrNull("CUDA_VISIBLE_DEVICES")}}},
        {"gpus", toJson(gpus)},
        {"blas", blasReport()},
        {"threads",
         {{"cores", std::thread::hardware_concurrency()},
          {"torch_intra_op", at::get_num_threads()},
          {"torch_inter_op", at::get_num_interop_threads()},
          {"OMP_NUM_THREADS", envOrNull("OMP_NUM_THREADS")},
          {"OPENBLAS_NUM_THREADS", envOrNull("OPENBLAS_NUM_THREADS")}}},
        {"cpu", cpuModel()}};
}


}  // namespace inoculab::system
