#pragma once
// Gpt: a decoder-only transformer in the nanoGPT mould (pre-LayerNorm blocks, causal
// self-attention, GELU MLP, output layer tied to the token embedding). Shapes in comments:
// B batch, T time, C d_model, H heads, D head dim, V vocabulary.

#include "model/causal_lm.h"
#include "model/gpt_config.h"

#include <torch/torch.h>

#include <vector>

namespace inoculab::model {

class CausalSelfAttentionImpl : public torch::nn::Module {
public:
    explicit CausalSelfAttentionImpl(const GptConfig &config);
    // x [B, T, C] -> [B, T, C]. With a cache, appends this step's keys/values to `layer`.
    torch::Tensor forward(const torch::Tensor &x, const torch::Tensor &allowed, torch::Tensor *cacheK,
                          torch::Tensor *cacheV);

private:
    std::int64_t m_heads;
    torch::nn::Linear m_qkv{nullptr}, m_proj{nullptr};
};
TORCH_MODULE(CausalSelfAttention);

class BlockImpl : public torch::nn::Module {
public:
    explicit BlockImpl(const GptConfig &config);
    torch::Tensor forward(torch::Tensor x, const torch::Tensor &allowed, torch::Tensor *cacheK, torch::Tensor *cacheV);

private:
    torch::nn::LayerNorm m_ln1{nullptr}, m_ln2{nullptr};
    CausalSelfAttention m_attn{nullptr};
    torch::nn::Linear m_fc{nullptr}, m_fcProj{nullptr};
};
TORCH_MODULE(Block);

class GptImpl : public CausalLmImpl {
public:
    explicit GptImpl(const GptConfig &config);

    torch::Tensor forward(const torch::Tensor &ids) override;
    torch::Tensor forwardCached(const torch::Tensor &ids, const torch::Tensor &positions, const torch::Tensor &valid,
                                KvCache &cache) override;
    std::int64_t vocabSize() const override { return m_config.vocabSize; }
    std::int64_t contextLength() const override { return m_config.context; }

    const GptConfig &config() const { return m_config; }
    // Parameters by their stable names ("blocks.0.attn.qkv.weight"), for checkpoints.
    std::vector<std::pair<std::string, torch::Tensor>> namedWeights() const;

private:
    torch::Tensor trunk(torch::Tensor x, const torch::Tensor &allowed, KvCache *cache);

    GptConfig m_config;
    torch::nn::Embedding m_tokens{nullptr}, m_positions{nullptr};
    torch::nn::ModuleList m_blocks;
    torch::nn::LayerNorm m_lnFinal{nullptr};
};
TORCH_MODULE(Gpt);

}  // namespace inoculab::model
