#include "model/activation_checkpoint.h"

#include "model/torch_compat.h"

#include <c10/core/impl/LocalDispatchKeySet.h>
#include <torch/csrc/autograd/custom_function.h>

#include <mutex>
#include <utility>
#include <vector>

namespace inoculab::model {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;
using Block = std::function<torch::Tensor(const torch::Tensor &)>;

// Whether CUDA autocast is on in this thread. Autocast is a thread-local dispatch key in every
// libtorch from 1.10 on (is_enabled() in 1.x, is_autocast_enabled(kCUDA) from 2.4 read it),
// so this reads the same thing without a version switch.
bool cudaAutocastOn() { return !c10::impl::tls_is_dispatch_key_excluded(c10::DispatchKey::AutocastCUDA); }

// A generator's state, taken and put back under its lock as torch.get_rng_state does.
struct RngState {
    at::Generator generator;
    at::Tensor state;
};

RngState takeState(const at::Generator &generator) {
    std::lock_guard<std::mutex> lock(const_cast<at::Generator &>(generator).mutex());
    return {generator, generator.get_state()};
}

void putState(const RngState &saved) {
    std::lock_guard<std::mutex> lock(const_cast<at::Generator &>(saved.generator).mutex());
    const_cast<at::Generator &>(saved.generator).set_state(saved.state);
}

std::vector<at::Generator> generatorsFor(const torch::Device &device) {
    std::vector<at::Generator> out{at::globalContext().defaultGenerator(torch::kCPU)};
    if (device.type() != torch::kCPU) out.push_back(at::globalContext().defaultGenerator(device));
    return out;
}

// What the backward pass needs besides x; kept in the context as a capsule, the one slot of
// AutogradContext that takes an arbitrary C++ object.
struct Recompute : torch::CustomClassHolder {
    Block f;
    std::vector<RngState> rng;  // as the forward found them
    bool autocast = false;
};

struct CheckpointFunction : torch::autograd::Function<CheckpointFunction> {
    // `anchor` is an empty tensor that requires grad, passed only when x does not, so that the
    // output still gets a backward node through which the parameters inside f are reached.
    static torch::Tensor forward(AutogradContext *ctx, const torch::Tensor &x,
                                 const c10::optional<torch::Tensor> &anchor, const Block *f) {
        auto recompute = c10::make_intrusive<Recompute>();
        recompute->f = *f;
        for (const at::Generator &g : generatorsFor(x.device())) recompute->rng.push_back(takeState(g));
        recompute->autocast = cudaAutocastOn();
        ctx->save_for_backward({x});
        ctx->saved_data["recompute"] = c10::IValue::make_capsule(std::move(recompute));
        (void)anchor;
        return (*f)(x);  // grad mode is off here (Function::apply): no graph, nothing saved
    }

    static variable_list backward(AutogradContext *ctx, variable_list gradOutputs) {
        torch::Tensor x = ctx->get_saved_variables()[0];
        auto recompute = c10::static_intrusive_pointer_cast<Recompute>(ctx->saved_data["recompute"].toCapsule());
        torch::Tensor input = x.detach().requires_grad_(x.requires_grad());
        torch::Tensor output;
        {
            // Replay the forward's random draws, then give the caller back its own sequence.
            std::vector<RngState> now;
            for (const RngState &s : recompute->rng) now.push_back(takeState(s.generator));
            for (const RngState &s : recompute->rng) putState(s);
            try {
                compat::CudaAutocast autocast(recompute->autocast && !cudaAutocastOn());
                torch::AutoGradMode gradMode(true);
                output = recompute->f(input);
            } catch (...) {
                for (const RngState &s : now) putState(s);
                throw;
            }
            for (const RngState &s : now) putState(s);
        }
        // Nothing inside needs a gradient (frozen block, x without grad): nothing to do.
        if (!output.requires_grad()) return {torch::Tensor(), torch::Tensor(), torch::Tensor()};
        torch::autograd::backward({output}, {gradOutputs[0]});
        return {x.requires_grad() ? input.grad() : torch::Tensor(), torch::Tensor(), torch::Tensor()};
    }
};

}  // namespace

torch::Tensor checkpointed(const Block &f, const torch::Tensor &x) {
    if (!torch::GradMode::is_enabled()) return f(x);
    c10::optional<torch::Tensor> anchor;
    if (!x.requires_grad()) anchor = torch::empty({0}, x.options().dtype(torch::kFloat)).requires_grad_(true);
    return CheckpointFunction::apply(x, anchor, &f);
}

}  // namespace inoculab::model
