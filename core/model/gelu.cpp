#include "model/gelu.h"

#include "model/gelu_kernel.h"

#include <ATen/Parallel.h>

namespace inoculab::model {

namespace {

// Elements per task when torch runs more than one thread.
constexpr std::int64_t kGrain = 1 << 15;

// The GELU of a contiguous float tensor; with `slope` (as many floats), its derivative too.
torch::Tensor runKernel(const torch::Tensor &in, float *slope) {
    torch::Tensor y = torch::empty_like(in);
    const float *src = in.data_ptr<float>();
    float *out = y.data_ptr<float>();
    at::parallel_for(0, in.numel(), kGrain, [&](std::int64_t begin, std::int64_t end) {
        if (slope)
            kernels::geluTanhWithSlope(src + begin, out + begin, slope + begin, end - begin);
        else
            kernels::geluTanh(src + begin, out + begin, end - begin);
    });
    return y;
}

class GeluTanhFunction : public torch::autograd::Function<GeluTanhFunction> {
public:
    static torch::Tensor forward(torch::autograd::AutogradContext *ctx, const torch::Tensor &x) {
        torch::Tensor in = x.contiguous();
        torch::Tensor slope = torch::empty_like(in);
        torch::Tensor y = runKernel(in, slope.data_ptr<float>());
        ctx->save_for_backward({slope});  // instead of x: the same memory
        return y;
    }

    static torch::autograd::tensor_list backward(torch::autograd::AutogradContext *ctx,
                                                 torch::autograd::tensor_list gradOutputs) {
        return {gradOutputs[0] * ctx->get_saved_variables()[0]};
    }
};

}  // namespace

torch::Tensor geluTanh(const torch::Tensor &x) {
    if (!x.device().is_cpu() || x.scalar_type() != torch::kFloat) return torch::gelu(x, "tanh");
    if (torch::GradMode::is_enabled() && x.requires_grad()) return GeluTanhFunction::apply(x);
    return runKernel(x.contiguous(), nullptr);
}

}  // namespace inoculab::model
