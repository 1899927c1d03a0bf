#include "model/adaptable_linear.h"

#include <cmath>
#include <stdexcept>

namespace inoculab::model {

namespace {

bool isHalfPrecision(torch::Dtype dtype) { return dtype == torch::kBFloat16 || dtype == torch::kHalf; }

}  // namespace

double LoraOptions::scale() const {
    return rslora ? alpha / std::sqrt(static_cast<double>(rank)) : alpha / static_cast<double>(rank);
}

AdaptableLinearImpl::AdaptableLinearImpl(std::int64_t in, std::int64_t out, bool bias) : m_in(in), m_out(out) {
    // torch::nn::Linear's default initialisation; loaded checkpoints overwrite it.
    m_weight = register_parameter("weight", torch::empty({out, in}));
    torch::nn::init::kaiming_uniform_(m_weight, std::sqrt(5.0));
    if (bias) {
        double bound = 1.0 / std::sqrt(static_cast<double>(in));
        m_bias = register_parameter("bias", torch::empty({out}).uniform_(-bound, bound));
    }
}

torch::Tensor AdaptableLinearImpl::forward(const torch::Tensor &x) {
    torch::Tensor y = torch::nn::functional::linear(x, m_weight, m_bias);
    if (!m_lora) return y;
    // fp32 adapters on a bf16 base take the input in their own dtype and hand back the base's.
    torch::Tensor h = x.scalar_type() == m_loraA->weight.scalar_type() ? x : x.to(m_loraA->weight.scalar_type());
    if (m_lora->dropout > 0 && is_training()) h = torch::dropout(h, m_lora->dropout, /*train=*/true);
    torch::Tensor delta = m_loraB(m_loraA(h)) * m_lora->scale();
    return y + (delta.scalar_type() == y.scalar_type() ? delta : delta.to(y.scalar_type()));
}

void AdaptableLinearImpl::enableLora(const LoraOptions &options) {
    if (m_lora) throw std::logic_error("LoRA adapter already enabled");
    if (options.rank < 1) throw std::invalid_argument("LoRA rank must be at least 1");
    if (!(options.alpha > 0) || !std::isfinite(options.alpha))
        throw std::invalid_argument("LoRA alpha must be a positive number");
    if (!(options.dropout >= 0 && options.dropout < 1)) throw std::invalid_argument("LoRA dropout must be in [0, 1)");
    torch::Dtype dtype = m_weight.scalar_type();
    if (isHalfPrecision(dtype)) dtype = torch::kFloat;
    torch::nn::Linear a(torch::nn::LinearOptions(m_in, options.rank).bias(false));
    torch::nn::Linear b(torch::nn::LinearOptions(options.rank, m_out).bias(false));
    {
        // Initialised in fp32 on the CPU, then moved: the same values whatever the device, so
        // a seed reproduces an adapter anywhere. PEFT's initialisation, stated here rather than
        // left to whatever Linear's reset does in a given libtorch.
        torch::NoGradGuard noGrad;
        torch::nn::init::kaiming_uniform_(a->weight, std::sqrt(5.0));
        b->weight.zero_();
    }
    a->to(m_weight.device(), dtype);
    b->to(m_weight.device(), dtype);
    m_loraA = register_module("lora_A", a);
    m_loraB = register_module("lora_B", b);
    m_weight.set_requires_grad(false);
    if (m_bias.defined()) m_bias.set_requires_grad(false);
    m_lora = options;
}

void AdaptableLinearImpl::mergeLora() {
    if (!m_lora) return;
    {
        torch::NoGradGuard noGrad;
        // One rounding into W's dtype: W + s B A is formed in fp32 (or fp64 for an fp64 W).
        torch::Dtype work = m_weight.scalar_type() == torch::kDouble ? torch::kDouble : torch::kFloat;
        torch::Tensor delta = torch::matmul(m_loraB->weight.to(work), m_loraA->weight.to(work));
        m_weight.copy_(m_weight.to(work).add_(delta, m_lora->scale()));
    }
    unregister_module("lora_A");
    unregister_module("lora_B");
    m_loraA = nullptr;
    m_loraB = nullptr;
    m_lora.reset();
}

torch::Tensor AdaptableLinearImpl::loraA() const { return m_lora ? m_loraA->weight : torch::Tensor(); }
torch::Tensor AdaptableLinearImpl::loraB() const { return m_lora ? m_loraB->weight : torch::Tensor(); }

}  // namespace inoculab::model
