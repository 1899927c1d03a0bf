#pragma once
// The engine suites' thread setup. CTest runs each engine suite under two reduction orders
// (tests/core/CMakeLists.txt): one torch intra-op thread with OPENBLAS_NUM_THREADS=1, and two
// of each. A tolerance that holds for one summation order only fails here, not first on
// another CPU. INOCULAB_TEST_TORCH_THREADS (default 1) says how many torch threads to use.

#include <torch/torch.h>

#include <cstdlib>
#include <string>

namespace inoculab::test {

inline void useTestTorchThreads() {
    const char *threads = std::getenv("INOCULAB_TEST_TORCH_THREADS");
    torch::set_num_threads(threads && *threads ? std::max(1, std::atoi(threads)) : 1);
}

}  // namespace inoculab::test
