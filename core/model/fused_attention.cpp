#include "model/fused_attention.h"

#include "model/attention_kernel.h"

#include <ATen/Parallel.h>

#include <cmath>
#include <stdexcept>
#include <vector>

namespace inoculab::model {

namespace {

struct Shape {
    std::int64_t b, t, c, heads, d;
};

Shape shapeOf(const torch::Tensor &qkv, std::int64_t heads) {
    if (qkv.dim() != 3 || qkv.size(2) % 3 != 0 || heads < 1 || (qkv.size(2) / 3) % heads != 0)
        throw std::invalid_argument(
            "fusedCausalAttention: qkv must be [B, T, 3C] with C a multiple of the heads, got " +
            c10::str(qkv.sizes()) + " with " + std::to_string(heads) + " heads");
    const std::int64_t c = qkv.size(2) / 3;
    return {qkv.size(0), qkv.size(1), c, heads, c / heads};
}

// The head `bh` (batch-major) of a contiguous [B, T, 3C] projection.
kernels::HeadInputs headOf(const float *qkv, const Shape &s, std::int64_t bh) {
    const float *base = qkv + (bh / s.heads) * s.t * 3 * s.c + (bh % s.heads) * s.d;
    return {base, base + s.c, base + 2 * s.c, 3 * s.c, s.t, s.d, static_cast<float>(1.0 / std::sqrt(double(s.d)))};
}

// Offset of head `bh` in a [B, T, C] tensor.
std::int64_t outputOffset(const Shape &s, std::int64_t bh) { return (bh / s.heads) * s.t * s.c + (bh % s.heads) * s.d; }

// Every head's forward pass over a contiguous projection. With `savedProbs` ([B, H, T, T]) the
// softmax of each head is kept there for the backward pass; without, it lives in a scratch
// buffer only while its head is computed.
torch::Tensor forwardAllHeads(const torch::Tensor &qkv, const Shape &s, float *savedProbs) {
    torch::Tensor y = torch::empty({s.b, s.t, s.c}, qkv.options());
    const float *in = qkv.data_ptr<float>();
    float *out = y.data_ptr<float>();
    at::parallel_for(0, s.b * s.heads, 1, [&](std::int64_t begin, std::int64_t end) {
        std::vector<float> scratch(savedProbs ? 0 : static_cast<std::size_t>(s.t * s.t));
        for (std::int64_t bh = begin; bh < end; ++bh) {
            float *probs = savedProbs ? savedProbs + bh * s.t * s.t : scratch.data();
            kernels::causalAttentionForward(headOf(in, s, bh), probs, out + outputOffset(s, bh), s.c);
        }
    });
    return y;
}

class FusedCausalAttention : public torch::autograd::Function<FusedCausalAttention> {
public:
    static torch::Tensor forward(torch::autograd::AutogradContext *ctx, const torch::Tensor &qkvIn,
                                 std::int64_t heads) {
        torch::Tensor qkv = qkvIn.contiguous();
        const Shape s = shapeOf(qkv, heads);
        torch::Tensor probs = torch::empty({s.b, s.heads, s.t, s.t}, qkv.options());
        torch::Tensor y = forwardAllHeads(qkv, s, probs.data_ptr<float>());
        ctx->save_for_backward({qkv, probs});
        ctx->saved_data["heads"] = heads;
        return y;
    }

    static torch::autograd::tensor_list backward(torch::autograd::AutogradContext *ctx,
                                                 torch::autograd::tensor_list gradOutputs) {
        const auto saved = ctx->get_saved_variables();
        const torch::Tensor &qkv = saved[0], &probs = saved[1];
        const Shape s = shapeOf(qkv, ctx->saved_data["heads"].toInt());
        torch::Tensor dy = gradOutputs[0].contiguous();
        torch::Tensor dqkv = torch::empty_like(qkv);
        const float *in = qkv.data_ptr<float>(), *p = probs.data_ptr<float>(), *gradOut = dy.data_ptr<float>();
        float *gradIn = dqkv.data_ptr<float>();
        at::parallel_for(0, s.b * s.heads, 1, [&](std::int64_t begin, std::int64_t end) {
            std::vector<float> scratch(static_cast<std::size_t>(s.t * s.t));
            for (std::int64_t bh = begin; bh < end; ++bh) {
                const kernels::HeadInputs head = headOf(in, s, bh);
                float *dq = gradIn + (head.q - in);
                kernels::causalAttentionBackward(head, p + bh * s.t * s.t, gradOut + outputOffset(s, bh), s.c,
                                                 scratch.data(), dq, dq + s.c, dq + 2 * s.c);
            }
        });
        return {dqkv, torch::Tensor()};
    }
};

}  // namespace

bool fusedAttentionApplies(const torch::Tensor &qkv) {
    return qkv.device().is_cpu() && qkv.scalar_type() == torch::kFloat;
}

torch::Tensor fusedCausalAttention(const torch::Tensor &qkv, std::int64_t heads) {
    if (!fusedAttentionApplies(qkv))
        throw std::invalid_argument("fusedCausalAttention: needs a float32 CPU tensor, got " +
                                    std::string(c10::toString(qkv.scalar_type())) + " on " + qkv.device().str());
    if (torch::GradMode::is_enabled() && qkv.requires_grad()) return FusedCausalAttention::apply(qkv, heads);
    torch::Tensor contiguous = qkv.contiguous();
    return forwardAllHeads(contiguous, shapeOf(contiguous, heads), nullptr);
}

}  // namespace inoculab::model
