#include "system/gpu_list.h"

#include "common/input_error.h"
#include "common/text_file.h"

#include <dlfcn.h>

#include <cstdlib>

namespace inoculab::system {

namespace {

// The few NVML calls used, as nvml.h declares them (a stable C ABI since NVML 3).
using nvmlDevice = void *;
struct NvmlMemory {
    unsigned long long total, free, used;
};
constexpr int kNvmlSuccess = 0;

GpuList fromFakeFile(const std::string &path) {
    GpuList list;
    list.source = path;
    try {
        nlohmann::json doc = nlohmann::json::parse(common::readTextFile(path));
        list.driverVersion = doc.value("driver", "");
        int index = 0;
        for (const nlohmann::json &g : doc.at("gpus")) {
            GpuInfo info;
            info.index = index++;
            info.name = g.at("name").get<std::string>();
            info.memoryTotal = g.at("memory_total").get<std::int64_t>();
            info.memoryFree = g.value("memory_free", info.memoryTotal);
            const std::string cc = g.at("compute_capability").get<std::string>();
            const auto dot = cc.find('.');
            if (dot == std::string::npos) throw std::invalid_argument("compute_capability: expected MAJOR.MINOR");
            info.computeMajor = std::stoi(cc.substr(0, dot));
            info.computeMinor = std::stoi(cc.substr(dot + 1));
            list.gpus.push_back(info);
        }
    } catch (const common::InputError &) {
        throw;
    } catch (const std::exception &e) {
        throw common::InputError(path, 0, std::string("$INOCULAB_FAKE_GPUS: ") + e.what());
    }
    return list;
}

GpuList fromNvml() {
    GpuList list;
    void *nvml = ::dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!nvml) {
        list.source = "none: no NVIDIA driver (libnvidia-ml.so.1 not found)";
        return list;
    }
    auto fn = [&](const char *name) { return ::dlsym(nvml, name); };
    auto init = reinterpret_cast<int (*)()>(fn("nvmlInit_v2"));
    auto shutdown = reinterpret_cast<int (*)()>(fn("nvmlShutdown"));
    auto count = reinterpret_cast<int (*)(unsigned *)>(fn("nvmlDeviceGetCount_v2"));
    auto handle = reinterpret_cast<int (*)(unsigned, nvmlDevice *)>(fn("nvmlDeviceGetHandleByIndex_v2"));
    auto name = reinterpret_cast<int (*)(nvmlDevice, char *, unsigned)>(fn("nvmlDeviceGetName"));
    auto memory = reinterpret_cast<int (*)(nvmlDevice, NvmlMemory *)>(fn("nvmlDeviceGetMemoryInfo"));
    auto capability = reinterpret_cast<int (*)(nvmlDevice, int *, int *)>(fn("nvmlDeviceGetCudaComputeCapability"));
    auto driver = reinterpret_cast<int (*)(char *, unsigned)>(fn("nvmlSystemGetDriverVersion"));
    if (!init || !shutdown || !count || !handle || !name || !memory || !capability || !driver) {
        list.source = "none: libnvidia-ml.so.1 lacks a function Inoculab needs (driver too old)";
    } else if (init() != kNvmlSuccess) {
        list.source = "none: the NVIDIA driver did not initialise";
    } else {
        list.source = "nvml";
        char text[96] = {};
        if (driver(text, sizeof text) == kNvmlSuccess) list.driverVersion = text;
        unsigned n = 0;
        if (count(&n) != kNvmlSuccess) n = 0;
        for (unsigned i = 0; i < n; ++i) {
            nvmlDevice device = nullptr;
            if (handle(i, &device) != kNvmlSuccess) continue;
            GpuInfo info;
            info.index = static_cast<int>(i);
            char deviceName[96] = {};
            if (name(device, deviceName, sizeof deviceName) == kNvmlSuccess) info.name = deviceName;
            NvmlMemory m{};
            if (memory(device, &m) == kNvmlSuccess) {
                info.memoryTotal = static_cast<std::int64_t>(m.total);
                info.memoryFree = static_cast<std::int64_t>(m.free);
            }
            capability(device, &info.computeMajor, &info.computeMinor);
            list.gpus.push_back(info);
        }
        shutdown();
    }
    ::dlclose(nvml);
    return list;
}

}  // namespace

GpuList listGpus() {
    if (const char *fake = std::getenv("INOCULAB_FAKE_GPUS"); fake && *fake) return fromFakeFile(fake);
    return fromNvml();
}

nlohmann::json toJson(const GpuList &list) {
    nlohmann::json gpus = nlohmann::json::array();
    for (const GpuInfo &g : list.gpus)
        gpus.push_back({{"index", g.index},
                        {"name", g.name},
                        {"memory_total_bytes", g.memoryTotal},
                        {"memory_free_bytes", g.memoryFree},
                        {"compute_capability", std::to_string(g.computeMajor) + "." + std::to_string(g.computeMinor)},
                        {"bf16", g.bf16()}});
    return {{"driver", list.driverVersion.empty() ? nlohmann::json() : nlohmann::json(list.driverVersion)},
            {"source", list.source},
            {"gpus", gpus}};
}

}  // namespace inoculab::system
