#pragma once
// The one place that knows which libtorch we were built against (Debian's 1.13 CPU build
// here, CUDA 2.x builds on users' machines). Everything else calls the stable API and the
// helpers below.

#include <ATen/autocast_mode.h>
#include <torch/torch.h>

#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <type_traits>

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

// Whether attention() below keeps no [Tq, Tk] scores for the backward pass (fused SDPA).
#if defined(TORCH_VERSION_MAJOR) && TORCH_VERSION_MAJOR >= 2
inline constexpr bool kFusedAttention = true;
#else
inline constexpr bool kFusedAttention = false;
#endif

// Attention over q, k, v [B, H, Tq, Tk-or-D]. `allowed` is an optional bool mask
// broadcastable to [B, H, Tq, Tk] (true = may attend); without it the attention is causal
// with queries aligned to the last Tq keys. Fused SDPA from libtorch 2.0; explicit before.
inline torch::Tensor attention(const torch::Tensor &q, const torch::Tensor &k, const torch::Tensor &v,
                               const torch::Tensor &allowed = {}) {
#if defined(TORCH_VERSION_MAJOR) && TORCH_VERSION_MAJOR >= 2
    if (!allowed.defined() && q.size(2) == k.size(2))
        return at::scaled_dot_product_attention(q, k, v, {}, 0.0, /*is_causal=*/true);
    if (allowed.defined()) return at::scaled_dot_product_attention(q, k, v, allowed, 0.0, false);
#endif
    // Explicit path: the mask enters as an additive bias (0 or -inf) of one batched
    // multiply-add, so scaling and masking cost no extra passes over the [Tq, Tk] scores,
    // forward or backward (measured in bench/train_throughput: see docs/benchmarks.md).
    const std::int64_t b = q.size(0), h = q.size(1), tq = q.size(2), tk = k.size(2), d = q.size(3);
    const double scale = 1.0 / std::sqrt(static_cast<double>(d));
    auto floatOptions = torch::TensorOptions().dtype(q.scalar_type()).device(q.device());
    torch::Tensor bias;
    if (allowed.defined()) {
        bias = torch::zeros(allowed.sizes(), floatOptions)
                   .masked_fill_(allowed.logical_not(), -std::numeric_limits<float>::infinity())
                   .expand({b, h, tq, tk})
                   .reshape({b * h, tq, tk});
    } else {
        bias = torch::full({tq, tk}, -std::numeric_limits<float>::infinity(), floatOptions).triu_(tk - tq + 1);
    }
    torch::Tensor scores = torch::baddbmm(bias, q.reshape({b * h, tq, d}), k.reshape({b * h, tk, d}).transpose(1, 2),
                                          /*beta=*/1.0, /*alpha=*/scale);
    return torch::bmm(torch::softmax(scores, -1), v.reshape({b * h, tk, d})).view({b, h, tq, d});
}

// The key an optimiser keeps a parameter's state under (AdamW's moments): up to some libtorch
// 2.x the text of its TensorImpl's address (what c10::guts::to_string, since removed, printed),
// the address itself after. Read off the state map's key type, not the version number.
using OptimizerStateKey = std::decay_t<decltype(std::declval<torch::optim::Optimizer &>().state())>::key_type;

template <typename Key = OptimizerStateKey>
Key optimizerStateKey(const torch::Tensor &parameter) {
    if constexpr (std::is_same_v<Key, std::string>) {
        std::ostringstream out;
        out << static_cast<const void *>(parameter.unsafeGetTensorImpl());
        return out.str();
    } else {
        return parameter.unsafeGetTensorImpl();
    }
}

// bf16 autocast for CUDA matmuls inside a scope; a no-op when `enabled` is false.
class CudaAutocast {
public:
    explicit CudaAutocast(bool enabled) : m_enabled(enabled) {
        if (!m_enabled) return;
#if defined(TORCH_VERSION_MAJOR) && (TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4))
        at::autocast::set_autocast_enabled(at::kCUDA, true);
        at::autocast::set_autocast_dtype(at::kCUDA, at::kBFloat16);
#else
        at::autocast::set_enabled(true);
        at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
#endif
    }
    ~CudaAutocast() {
        if (!m_enabled) return;
#if defined(TORCH_VERSION_MAJOR) && (TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4))
        at::autocast::set_autocast_enabled(at::kCUDA, false);
#else
        at::autocast::set_enabled(false);
#endif
        at::autocast::clear_cache();
    }
    CudaAutocast(const CudaAutocast &) = delete;
    CudaAutocast &operator=(const CudaAutocast &) = delete;

private:
    bool m_enabled;
};

}  // namespace inoculab::model::compat
