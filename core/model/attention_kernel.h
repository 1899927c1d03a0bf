#pragma once
// One attention head of causal self-attention on the CPU, forward and backward, for
// model::fusedCausalAttention (model/fused_attention.h). Free of torch: the matrix products
// go to BLAS (the library libtorch itself calls), the softmax loops are vectorised here.
//
// A head sees T rows of D floats each for Q, K and V, with a row stride `ld` (they are slices
// of the fused q/k/v projection [T, 3C]); outputs and their gradients have stride `ldOut`.
// Rows are taken in blocks of kRowBlock: block [r0, r1) attends to keys [0, r1) only, so the
// products skip most of the masked upper triangle (T = 128: 5/8 of the full products).

#include <cstdint>

namespace inoculab::model::kernels {

inline constexpr std::int64_t kRowBlock = 32;

struct HeadInputs {
    const float *q, *k, *v;
    std::int64_t ld;  // row stride of q, k and v
    std::int64_t t, d;
    float scale;  // applied to the scores q.k
};

// y = softmax(scale Q K^T + causal mask) V. `probs` [T, T] receives the softmax (row i is
// valid on [0, end of i's block); the rest is left unwritten): the backward pass needs it.
void causalAttentionForward(const HeadInputs &in, float *probs, float *y, std::int64_t ldOut);

// Gradients of Q, K and V (stride `ld` of dq/dk/dv, which may alias slices of one [T, 3C]
// tensor) from dY and the forward's `probs`. `scratch` holds T x T floats.
void causalAttentionBackward(const HeadInputs &in, const float *probs, const float *dy, std::int64_t ldOut,
                             float *scratch, float *dq, float *dk, float *dv);

}  // namespace inoculab::model::kernels
