#pragma once
// The one place that knows which libtorch we were built against (Debian's 1.13 CPU build
// here, CUDA 2.x builds on users' machines). Everything else calls the stable API and the
// helpers below.

#include <torch/torch.h>

#include <string>

namespace inoculab::model::compat {

inline std::string torchVersion() {
#if defined(TORCH_VERSION_MAJOR)
    return std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) + "." +
           std::to_string(TORCH_VERSION_PATCH);
#else
    return "unknown";
#endif
}

inline bool cudaAvailable() { return torch::cuda::is_available(); }

}  // namespace inoculab::model::compat
