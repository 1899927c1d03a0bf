#include "model/adaptable_linear.h"

#include <cmath>
#include <stdexcept>

namespace inoculab::model {

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
    torch::Tensor h = x;
    if (m_lora->dropout > 0 && is_training()) h = torch::dropout(h, m_lora->dropout, /*train=*/true);
    return y + m_loraB(m_loraA(h)) * m_lora->scale();
}

void AdaptableLinearImpl::enableLora(const LoraOptions &options) {
    if (m_lora) throw std::logic_error("LoRA adapter already enabled");
    if (options.rank < 1) throw std::invalid_argument("LoRA rank must be at least 1");
    torch::Dtype dtype = m_weight.scalar_type();
    auto device = m_weight.device();
    m_loraA = register_module("lora_A", torch::nn::Linear(torch::nn::LinearOptions(m_in, options.rank).bias(false)));
    m_loraB = register_module("lora_B", torch::nn::Linear(torch::nn::LinearOptions(options.rank, m_out).bias(false)));
    {
        torch::NoGradGuard noGrad;
        torch::nn::init::kaiming_uniform_(m_loraA->weight, std::sqrt(5.0));
        m_loraB->weight.zero_();
    }
    m_loraA->to(device, dtype);
    m_loraB->to(device, dtype);
    m_weight.set_requires_grad(false);
    if (m_bias.defined()) m_bias.set_requires_grad(false);
    m_lora = options;
}

void AdaptableLinearImpl::mergeLora() {
    if (!m_lora) return;
    {
        torch::NoGradGuard noGrad;
        m_weight.add_(torch::matmul(m_loraB->weight, m_loraA->weight).to(m_weight.dtype()), m_lora->scale());
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
