#include "model/device.h"

#include "model/torch_compat.h"

#include <malloc.h>

#include <cstdlib>
#include <stdexcept>

namespace inoculab::model {

void keepFreedMemoryForReuse() {
    // Blocks up to 256 MiB come from the heap, and up to 512 MiB of free heap is kept.
    ::mallopt(M_MMAP_THRESHOLD, 256 << 20);
    ::mallopt(M_TRIM_THRESHOLD, 512 << 20);
}

DeviceChoice chooseDevice(DeviceRequest request) {
    DeviceChoice choice;
    choice.torchVersion = compat::torchVersion();
    choice.cpuThreads = torch::get_num_threads();
    bool haveCuda = compat::cudaAvailable();
    if (request == DeviceRequest::Cuda && !haveCuda)
        throw std::runtime_error("--device cuda: no CUDA device is available to libtorch " + choice.torchVersion +
                                 " on this machine (it is a CPU build or no GPU is visible); use --device cpu or auto");
    choice.cuda = request != DeviceRequest::Cpu && haveCuda;
    choice.name = choice.cuda ? "cuda:0" : "cpu";
    if (const char *visible = std::getenv("CUDA_VISIBLE_DEVICES"); choice.cuda && visible && *visible)
        choice.name += " (GPU " + std::string(visible) + ")";
    return choice;
}

}  // namespace inoculab::model
