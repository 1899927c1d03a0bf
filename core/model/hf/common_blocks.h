#pragma once
// Building blocks of the Hugging Face decoder architectures, written from the formulas of
// transformers' modeling_llama / modeling_qwen2 / modeling_qwen3 so that loaded weights give
// the same logits: RMSNorm, rotary embeddings (rotate_half convention, optional Llama 3
// frequency scaling), grouped-query attention with optional q/k/v bias and per-head q/k
// RMSNorm, the SwiGLU MLP, and the decoder stack Llama, Qwen2 and Qwen3 share (DecoderLm).
// Submodule names equal the Hugging Face state-dict names ("model.layers.0.self_attn.q_proj").

#include "model/adaptable_linear.h"
#include "model/hf/hf_causal_lm.h"

#include <torch/torch.h>

#include <optional>
#include <string>

namespace inoculab::model::hf {

// x * rsqrt(mean(x^2) + eps) * weight, computed in fp32 as Hugging Face does.
class RmsNormImpl : public torch::nn::Module {
public:
    RmsNormImpl(std::int64_t dim, double eps);
    torch::Tensor forward(const torch::Tensor &x);

private:
    double m_eps;
    torch::Tensor m_weight;
};
TORCH_MODULE(RmsNorm);

// Rotary position embedding tables. The inverse frequencies are a plain fp32 tensor, not a
// registered buffer: they are not part of a checkpoint and must stay fp32 whatever dtype
// the weights are converted to.
class Rotary {
public:
    Rotary(std::int64_t headDim, double theta, const std::optional<Llama3RopeScaling> &scaling);
    // positions [B, T] -> cos, sin [B, 1, T, D] in `dtype`.
    std::pair<torch::Tensor, torch::Tensor> cosSin(const torch::Tensor &positions, torch::Dtype dtype) const;
    const torch::Tensor &inverseFrequencies() const { return m_invFreq; }

private:
    torch::Tensor m_invFreq;  // [D / 2] fp32
};

// x [B, H, T, D]: x * cos + rotate_half(x) * sin, rotate_half(x) = cat(-x2, x1).
torch::Tensor applyRotary(const torch::Tensor &x, const torch::Tensor &cos, const torch::Tensor &sin);

// The activation functions configs name (hidden_act / activation_function).
torch::Tensor activation(const std::string &name, const torch::Tensor &x);

// For forwardCached: appends `valid` [B, T] to the cache's validity, sizes its per-layer
// lists, and returns the mask [B, 1, T, T_cached + T]: a query sees the cached and new keys
// that are real tokens and not in its future, and always itself (no empty softmax row).
torch::Tensor extendCacheMask(KvCache &cache, const torch::Tensor &valid, std::size_t layers);

// Appends k, v [B, H_kv, T, D] to one layer's cache (when there is one) and returns the keys
// and values to attend to.
std::pair<torch::Tensor, torch::Tensor> withCache(torch::Tensor k, torch::Tensor v, torch::Tensor *cacheK,
                                                  torch::Tensor *cacheV);

// Hugging Face's _init_weights for a fresh model: linear and embedding weights N(0, std),
// biases zero, norms one.
void initLikeHf(torch::nn::Module &model, double std);

struct AttentionOptions {
    std::int64_t hidden = 0, heads = 0, kvHeads = 0, headDim = 0;
    bool qkvBias = false, oBias = false, qkNorm = false;
    double normEps = 1e-6;
};

class AttentionImpl : public torch::nn::Module {
public:
    explicit AttentionImpl(const AttentionOptions &options);
    // x [B, T, C] -> [B, T, C]; `allowed` as compat::attention (undefined = causal).
    torch::Tensor forward(const torch::Tensor &x, const torch::Tensor &cos, const torch::Tensor &sin,
                          const torch::Tensor &allowed, torch::Tensor *cacheK, torch::Tensor *cacheV);

private:
    AttentionOptions m_options;
    AdaptableLinear m_q{nullptr}, m_k{nullptr}, m_v{nullptr}, m_o{nullptr};
    RmsNorm m_qNorm{nullptr}, m_kNorm{nullptr};
};
TORCH_MODULE(Attention);

// down(silu(gate(x)) * up(x))
class SwiGluMlpImpl : public torch::nn::Module {
public:
    SwiGluMlpImpl(std::int64_t hidden, std::int64_t intermediate, bool bias);
    torch::Tensor forward(const torch::Tensor &x);

private:
    AdaptableLinear m_gate{nullptr}, m_up{nullptr}, m_down{nullptr};
};
TORCH_MODULE(SwiGluMlp);

class DecoderLayerImpl : public torch::nn::Module {
public:
    DecoderLayerImpl(const AttentionOptions &attention, std::int64_t intermediate, bool mlpBias);
    torch::Tensor forward(torch::Tensor x, const torch::Tensor &cos, const torch::Tensor &sin,
                          const torch::Tensor &allowed, torch::Tensor *cacheK, torch::Tensor *cacheV);

private:
    RmsNorm m_inputNorm{nullptr}, m_postNorm{nullptr};
    Attention m_attn{nullptr};
    SwiGluMlp m_mlp{nullptr};
};
TORCH_MODULE(DecoderLayer);

// "model": embed_tokens, layers, norm.
class DecoderStackImpl : public torch::nn::Module {
public:
    explicit DecoderStackImpl(const HfConfig &config);
    // ids [B, T] at positions [B, T] -> final normed states [B, T, C]. `checkpoint`: each
    // layer through model::checkpointed (only without a cache).
    torch::Tensor forward(const torch::Tensor &ids, const torch::Tensor &positions, const torch::Tensor &allowed,
                          KvCache *cache, bool checkpoint = false);
    torch::nn::Embedding &embedTokens() { return m_embed; }
    std::size_t layerCount() const { return m_layers->size(); }

private:
    Rotary m_rotary;
    torch::nn::Embedding m_embed{nullptr};
    torch::nn::ModuleList m_layers;
    RmsNorm m_norm{nullptr};
};
TORCH_MODULE(DecoderStack);

// Llama, Qwen2 and Qwen3: the decoder stack plus lm_head (absent when tied to embed_tokens).
class DecoderLmImpl : public HfCausalLmImpl {
public:
    explicit DecoderLmImpl(const HfConfig &config);
    torch::Tensor forward(const torch::Tensor &ids) override;
    torch::Tensor forwardCached(const torch::Tensor &ids, const torch::Tensor &positions, const torch::Tensor &valid,
                                KvCache &cache) override;

private:
    torch::Tensor logits(const torch::Tensor &states);

    DecoderStack m_model{nullptr};
    AdaptableLinear m_lmHead{nullptr};
};

// Positions 0..T-1 for every row of ids [B, T].
torch::Tensor defaultPositions(const torch::Tensor &ids);

}  // namespace inoculab::model::hf
