#pragma once
// fusedCausalAttention: causal self-attention straight from the fused q/k/v projection, for
// training and full-sequence forward passes on the CPU. Per head, the scores, softmax and
// products stay in cache (model/attention_kernel.h) instead of passing through [B, H, T, T]
// tensors several times, and no head is copied out of the projection or back into [B, T, C]:
// bench/train_throughput measures what it saves (docs/benchmarks.md).
//
// The result equals splitting qkv into heads, compat::attention(q, k, v) (causal, no mask)
// and merging the heads, to float rounding; tests/test_fused_attention.cpp holds it to that,
// forward and backward.

#include <torch/torch.h>

namespace inoculab::model {

// Whether fusedCausalAttention runs for this projection: a float32 CPU tensor.
bool fusedAttentionApplies(const torch::Tensor &qkv);

// qkv [B, T, 3C] (q, k, v each [C] = H heads x D) -> [B, T, C].
torch::Tensor fusedCausalAttention(const torch::Tensor &qkv, std::int64_t heads);

}  // namespace inoculab::model
