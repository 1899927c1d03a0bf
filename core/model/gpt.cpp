#include "model/gpt.h"

#include "model/fused_attention.h"
#include "model/gelu.h"
#include "model/torch_compat.h"

#include <cmath>

namespace inoculab::model {

namespace {
namespace nn = torch::nn;
}

CausalSelfAttentionImpl::CausalSelfAttentionImpl(const GptConfig &c) : m_heads(c.heads) {
    m_qkv = register_module("qkv", nn::Linear(c.dModel, 3 * c.dModel));
    m_proj = register_module("proj", nn::Linear(c.dModel, c.dModel));
}

torch::Tensor CausalSelfAttentionImpl::forward(const torch::Tensor &x, const torch::Tensor &allowed,
                                               torch::Tensor *cacheK, torch::Tensor *cacheV) {
    const std::int64_t b = x.size(0), t = x.size(1), c = x.size(2);
    torch::Tensor projected = m_qkv(x);  // [B, T, 3C]
    // Training and full-sequence passes on the CPU: one fused pass per head, no copies.
    if (!cacheK && !allowed.defined() && fusedAttentionApplies(projected))
        return m_proj(fusedCausalAttention(projected, m_heads));
    // [B, T, 3C] -> three [B, H, T, D]
    std::vector<torch::Tensor> qkv = projected.view({b, t, 3, m_heads, c / m_heads}).permute({2, 0, 3, 1, 4}).unbind(0);
    torch::Tensor q = qkv[0], k = qkv[1], v = qkv[2];
    if (cacheK) {
        if (cacheK->defined()) {
            k = torch::cat({*cacheK, k}, 2);
            v = torch::cat({*cacheV, v}, 2);
        }
        *cacheK = k;
        *cacheV = v;
    }
    torch::Tensor y = compat::attention(q, k, v, allowed);  // [B, H, T, D]
    return m_proj(y.transpose(1, 2).contiguous().view({b, t, c}));
}

BlockImpl::BlockImpl(const GptConfig &c) {
    m_ln1 = register_module("ln1", nn::LayerNorm(nn::LayerNormOptions({c.dModel})));
    m_attn = register_module("attn", CausalSelfAttention(c));
    m_ln2 = register_module("ln2", nn::LayerNorm(nn::LayerNormOptions({c.dModel})));
    m_fc = register_module("fc", nn::Linear(c.dModel, 4 * c.dModel));
    m_fcProj = register_module("fc_proj", nn::Linear(4 * c.dModel, c.dModel));
}

torch::Tensor BlockImpl::forward(torch::Tensor x, const torch::Tensor &allowed, torch::Tensor *cacheK,
                                 torch::Tensor *cacheV) {
    x = x + m_attn(m_ln1(x), allowed, cacheK, cacheV);
    return x + m_fcProj(geluTanh(m_fc(m_ln2(x))));
}

GptImpl::GptImpl(const GptConfig &c) : m_config(c) {
    m_tokens = register_module("tokens", nn::Embedding(c.vocabSize, c.dModel));
    m_positions = register_module("positions", nn::Embedding(c.context, c.dModel));
    m_blocks = register_module("blocks", nn::ModuleList());
    for (std::int64_t i = 0; i < c.layers; ++i) m_blocks->push_back(Block(c));
    m_lnFinal = register_module("ln_final", nn::LayerNorm(nn::LayerNormOptions({c.dModel})));

    // GPT-2 initialisation: N(0, 0.02), residual projections scaled by 1/sqrt(2 * layers).
    torch::NoGradGuard noGrad;
    double residualStd = 0.02 / std::sqrt(2.0 * static_cast<double>(c.layers));
    for (auto &p : named_parameters()) {
        const std::string &name = p.key();
        bool bias = name.size() >= 4 && name.compare(name.size() - 4, 4, "bias") == 0;
        if (name.find(".ln") != std::string::npos || name.rfind("ln_final", 0) == 0) continue;  // LayerNorm: 1 and 0
        if (bias)
            p.value().zero_();
        else if (name.find("proj.weight") != std::string::npos)
            p.value().normal_(0.0, residualStd);
        else
            p.value().normal_(0.0, 0.02);
    }
}

torch::Tensor GptImpl::trunk(torch::Tensor x, const torch::Tensor &allowed, KvCache *cache) {
    for (std::size_t i = 0; i < m_blocks->size(); ++i) {
        torch::Tensor *k = cache ? &cache->keys[i] : nullptr;
        torch::Tensor *v = cache ? &cache->values[i] : nullptr;
        x = m_blocks[i]->as<Block>()->forward(x, allowed, k, v);
    }
    // Tied output layer: logits are the final states against the token embeddings.
    return torch::matmul(m_lnFinal(x), m_tokens->weight.t());  // [B, T, V]
}

torch::Tensor GptImpl::forward(const torch::Tensor &ids) {
    const std::int64_t t = ids.size(1);
    TORCH_CHECK(t <= m_config.context, "sequence of ", t, " tokens is longer than the model's context of ",
                m_config.context);
    torch::Tensor positions = torch::arange(t, ids.options().dtype(torch::kLong));
    return trunk(m_tokens(ids) + m_positions(positions), {}, nullptr);
}

torch::Tensor GptImpl::forwardCached(const torch::Tensor &ids, const torch::Tensor &positions,
                                     const torch::Tensor &valid, KvCache &cache) {
    const std::int64_t t = ids.size(1), past = cache.length();
    // Positions bound a row, not the cache: with left padding the cache of a batch can be
    // longer than any of its rows.
    TORCH_CHECK(positions.numel() == 0 || positions.max().item<std::int64_t>() < m_config.context,
                "sampling past the model's context of ", m_config.context, " tokens");
    if (cache.keys.empty()) {
        cache.keys.resize(m_blocks->size());
        cache.values.resize(m_blocks->size());
    }
    cache.valid = past ? torch::cat({cache.valid, valid}, 1) : valid;
    // Query i (absolute past + i) sees keys j <= past + i that are real tokens, and always
    // itself, so a padding query never has an empty row (softmax of all -inf is NaN).
    const std::int64_t total = past + t;
    auto boolOpts = torch::TensorOptions().dtype(torch::kBool).device(ids.device());
    torch::Tensor causal = torch::ones({t, total}, boolOpts).tril(past);                      // [T, Tk]
    torch::Tensor self = torch::eye(t, total, boolOpts).roll(past, 1);                         // [T, Tk]
    torch::Tensor allowed = (causal.unsqueeze(0) & cache.valid.unsqueeze(1)) | self.unsqueeze(0);  // [B, T, Tk]
    return trunk(m_tokens(ids) + m_positions(positions), allowed.unsqueeze(1), &cache);
}

std::vector<std::pair<std::string, torch::Tensor>> GptImpl::namedWeights() const {
    std::vector<std::pair<std::string, torch::Tensor>> out;
    for (const auto &p : named_parameters()) out.emplace_back(p.key(), p.value());
    return out;
}

}  // namespace inoculab::model
