#pragma once
// Device choice for training and evaluation: `auto` takes CUDA when present, else the CPU.
// Header is torch-free so that option parsing and job files can use it.

#include <optional>
#include <string>
#include <string_view>

namespace inoculab::model {

enum class DeviceRequest { Auto, Cpu, Cuda };

std::optional<DeviceRequest> parseDeviceRequest(std::string_view name);

struct DeviceChoice {
    // "cpu", "cuda:0", or "cuda:0 (GPU 2)" when CUDA_VISIBLE_DEVICES gave this worker the
    // machine's GPU 2 (experiment run --gpus): what a run's record says it trained on.
    std::string name;
    bool cuda = false;
    int cpuThreads = 0;      // torch intra-op threads on the CPU
    std::string torchVersion;
};

// Keeps freed tensor memory in the process instead of giving it back to the kernel after
// every step: with glibc's defaults each step's activations are fresh mmap()s, and their
// page faults cost the CPU trainer ~12% (docs/benchmarks.md, train_throughput). Call once,
// before training, in a process that trains or samples.
void keepFreedMemoryForReuse();

// Resolves the request against this machine. Throws std::runtime_error when CUDA is asked
// for but not available (the message says what the machine has).
DeviceChoice chooseDevice(DeviceRequest request);

}  // namespace inoculab::model
