#pragma once
// CausalLm: what training, sampling and scoring need of a language model, whatever its
// architecture: the toy Gpt and the Hugging Face architectures (model/hf/) both implement it.
// Shapes: B batch, T time, V vocabulary.

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace inoculab::model {

// Keys and values of earlier positions, per layer, so that sampling feeds one token a step.
struct KvCache {
    std::vector<torch::Tensor> keys, values;  // per layer: [B, H_kv, T_cached, D]
    torch::Tensor valid;                      // [B, T_cached] bool: false at left padding
    std::int64_t length() const { return valid.defined() ? valid.size(1) : 0; }
};

class CausalLmImpl : public torch::nn::Module {
public:
    // Training and scoring: ids [B, T] (right-padded) -> logits [B, T, V], causal.
    virtual torch::Tensor forward(const torch::Tensor &ids) = 0;
    // Sampling: ids [B, T_new] at positions [B, T_new]; `valid` [B, T_new] marks real tokens
    // (left padding is not). Attends to the cache plus itself and extends the cache.
    virtual torch::Tensor forwardCached(const torch::Tensor &ids, const torch::Tensor &positions,
                                        const torch::Tensor &valid, KvCache &cache) = 0;

    virtual std::int64_t vocabSize() const = 0;
    // Longest sequence the model takes (positions beyond it are refused or meaningless).
    virtual std::int64_t contextLength() const = 0;
    // Multiply-accumulates of one forward pass per token, for FLOP/s reporting (the 6N rule
    // counts parameters; attention over the context is added by callers that want it).
    virtual std::int64_t parameterCount() const;

    // The parameters a checkpoint must hold to restore training: those that require grad,
    // by their stable names. For full finetuning every weight; for LoRA the adapters.
    std::vector<std::pair<std::string, torch::Tensor>> trainableWeights() const;
};

// A shared handle, as torch's module holders are (copies share the module).
using CausalLm = std::shared_ptr<CausalLmImpl>;

}  // namespace inoculab::model
