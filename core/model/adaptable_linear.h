#pragma once
// AdaptableLinear: y = x W^T + b, plus an optional low-rank adapter (LoRA, Hu et al. 2021):
// y += scale * dropout(x) A^T B^T with A [r, in], B [out, r]. Every projection of the
// Hugging Face architectures is one, so LoRA is switched on per module by name without
// rebuilding the model. Parameter names follow PEFT: "weight", "bias", "lora_A.weight",
// "lora_B.weight" (registered as submodules lora_A and lora_B holding "weight").

#include <torch/torch.h>

#include <cstdint>
#include <optional>

namespace inoculab::model {

struct LoraOptions {
    std::int64_t rank = 16;
    double alpha = 32.0;
    double dropout = 0.0;  // on the adapter's input only, and only in training mode
    bool rslora = false;   // scale alpha / sqrt(rank) instead of alpha / rank

    double scale() const;
    bool operator==(const LoraOptions &) const = default;
};

class AdaptableLinearImpl : public torch::nn::Module {
public:
    AdaptableLinearImpl(std::int64_t in, std::int64_t out, bool bias);

    torch::Tensor forward(const torch::Tensor &x);

    // Adds an adapter (A Kaiming-uniform as PEFT does, B zero, so the output is unchanged
    // until trained) and freezes W and b. The adapter lives on W's device; its dtype is W's,
    // except that a bf16 or fp16 W gets fp32 adapters (as PEFT does by default), because
    // AdamW updates of a few parts in 1e4 vanish when rounded to 8 mantissa bits.
    // Throws std::logic_error if one is already there, std::invalid_argument for bad options.
    void enableLora(const LoraOptions &options);
    bool hasLora() const { return m_lora.has_value(); }
    const std::optional<LoraOptions> &lora() const { return m_lora; }
    // W += scale * B A (computed in fp32 at least, rounded once into W's dtype), then drops the
    // adapter so that its parameters leave the module (W and b stay frozen).
    void mergeLora();

    torch::Tensor &weight() { return m_weight; }
    torch::Tensor &bias() { return m_bias; }  // undefined without bias
    torch::Tensor loraA() const;              // [r, in]; undefined without adapter
    torch::Tensor loraB() const;              // [out, r]
    std::int64_t inFeatures() const { return m_in; }
    std::int64_t outFeatures() const { return m_out; }

private:
    std::int64_t m_in, m_out;
    torch::Tensor m_weight, m_bias;
    std::optional<LoraOptions> m_lora;
    torch::nn::Linear m_loraA{nullptr}, m_loraB{nullptr};
};
TORCH_MODULE(AdaptableLinear);

}  // namespace inoculab::model
