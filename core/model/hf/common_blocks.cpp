#include "model/hf/common_blocks.h"

#include "model/activation_checkpoint.h"
#include "model/gelu.h"
#include "model/precision.h"
#include "model/torch_compat.h"

#include <cmath>
#include <numbers>

namespace inoculab::model::hf {

namespace nn = torch::nn;

RmsNormImpl::RmsNormImpl(std::int64_t dim, double eps) : m_eps(eps) {
    m_weight = register_parameter("weight", torch::ones({dim}));
}

torch::Tensor RmsNormImpl::forward(const torch::Tensor &x) {
    torch::Tensor h = atLeastFloat(x);  // fp32 for bf16 models, as transformers; fp64 stays fp64
    h = h * torch::rsqrt(h.pow(2).mean(-1, /*keepdim=*/true) + m_eps);
    return m_weight * h.to(x.scalar_type());
}

Rotary::Rotary(std::int64_t headDim, double theta, const std::optional<Llama3RopeScaling> &scaling) {
    // 1 / theta^(2i / D), in fp32 as transformers computes it.
    torch::Tensor exponents =
        torch::arange(0, headDim, 2, torch::kLong).to(torch::kFloat) / static_cast<double>(headDim);
    m_invFreq = 1.0 / torch::pow(theta, exponents);
    if (!scaling) return;
    // Llama 3.1: long wavelengths are slowed by `factor`, short ones kept, the band between
    // interpolated (transformers' _compute_llama3_parameters).
    const Llama3RopeScaling &s = *scaling;
    const double oldContext = static_cast<double>(s.originalMaxPositionEmbeddings);
    const double lowFreqWavelen = oldContext / s.lowFreqFactor;
    const double highFreqWavelen = oldContext / s.highFreqFactor;
    torch::Tensor wavelen = 2 * std::numbers::pi / m_invFreq;
    torch::Tensor scaled = torch::where(wavelen > lowFreqWavelen, m_invFreq / s.factor, m_invFreq);
    torch::Tensor smooth = (oldContext / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
    torch::Tensor smoothed = (1 - smooth) * scaled / s.factor + smooth * scaled;
    torch::Tensor medium = (wavelen >= highFreqWavelen).logical_and(wavelen <= lowFreqWavelen);
    m_invFreq = torch::where(medium, smoothed, scaled);
}

std::pair<torch::Tensor, torch::Tensor> Rotary::cosSin(const torch::Tensor &positions, torch::Dtype dtype) const {
    torch::Tensor freqs = positions.to(torch::kFloat).unsqueeze(-1) * m_invFreq.to(positions.device());  // [B, T, D/2]
    torch::Tensor emb = torch::cat({freqs, freqs}, -1).unsqueeze(1);                                     // [B, 1, T, D]
    return {emb.cos().to(dtype), emb.sin().to(dtype)};
}

torch::Tensor applyRotary(const torch::Tensor &x, const torch::Tensor &cos, const torch::Tensor &sin) {
    const std::int64_t half = x.size(-1) / 2;
    torch::Tensor rotated = torch::cat({-x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
    return x * cos + rotated * sin;
}

torch::Tensor activation(const std::string &name, const torch::Tensor &x) {
    if (name == "silu") return torch::silu(x);
    if (name == "gelu_new" || name == "gelu_pytorch_tanh") return geluTanh(x);
    if (name == "gelu") return torch::gelu(x);
    if (name == "relu") return torch::relu(x);
    throw std::invalid_argument("unsupported activation " + name);  // the config parser refuses it first
}

torch::Tensor extendCacheMask(KvCache &cache, const torch::Tensor &valid, std::size_t layers) {
    const std::int64_t t = valid.size(1), past = cache.length();
    if (cache.keys.empty()) {
        cache.keys.resize(layers);
        cache.values.resize(layers);
    }
    cache.valid = past ? torch::cat({cache.valid, valid}, 1) : valid;
    const std::int64_t total = past + t;
    auto boolOpts = torch::TensorOptions().dtype(torch::kBool).device(valid.device());
    torch::Tensor causal = torch::ones({t, total}, boolOpts).tril(past);  // [T, Tk]
    torch::Tensor self = torch::eye(t, total, boolOpts).roll(past, 1);    // [T, Tk]
    torch::Tensor allowed = (causal.unsqueeze(0) & cache.valid.unsqueeze(1)) | self.unsqueeze(0);
    return allowed.unsqueeze(1);  // [B, 1, T, Tk]
}

std::pair<torch::Tensor, torch::Tensor> withCache(torch::Tensor k, torch::Tensor v, torch::Tensor *cacheK,
                                                  torch::Tensor *cacheV) {
    if (cacheK) {
        if (cacheK->defined()) {
            k = torch::cat({*cacheK, k}, 2);
            v = torch::cat({*cacheV, v}, 2);
        }
        *cacheK = k;
        *cacheV = v;
    }
    return {k, v};
}

void initLikeHf(torch::nn::Module &model, double std) {
    torch::NoGradGuard noGrad;
    for (auto &m : model.modules(/*include_self=*/true)) {
        if (auto *linear = m->as<AdaptableLinearImpl>()) {
            linear->weight().normal_(0.0, std);
            if (linear->bias().defined()) linear->bias().zero_();
        } else if (auto *embedding = m->as<nn::EmbeddingImpl>()) {
            embedding->weight.normal_(0.0, std);
        }
    }
}

torch::Tensor defaultPositions(const torch::Tensor &ids) {
    return torch::arange(ids.size(1), ids.options().dtype(torch::kLong))
        .unsqueeze(0)
        .expand({ids.size(0), ids.size(1)});
}

AttentionImpl::AttentionImpl(const AttentionOptions &o) : m_options(o) {
    m_q = register_module("q_proj", AdaptableLinear(o.hidden, o.heads * o.headDim, o.qkvBias));
    m_k = register_module("k_proj", AdaptableLinear(o.hidden, o.kvHeads * o.headDim, o.qkvBias));
    m_v = register_module("v_proj", AdaptableLinear(o.hidden, o.kvHeads * o.headDim, o.qkvBias));
    m_o = register_module("o_proj", AdaptableLinear(o.heads * o.headDim, o.hidden, o.oBias));
    if (o.qkNorm) {
        m_qNorm = register_module("q_norm", RmsNorm(o.headDim, o.normEps));
        m_kNorm = register_module("k_norm", RmsNorm(o.headDim, o.normEps));
    }
}

torch::Tensor AttentionImpl::forward(const torch::Tensor &x, const torch::Tensor &cos, const torch::Tensor &sin,
                                     const torch::Tensor &allowed, torch::Tensor *cacheK, torch::Tensor *cacheV) {
    const std::int64_t b = x.size(0), t = x.size(1), d = m_options.headDim;
    torch::Tensor q = m_q(x).view({b, t, m_options.heads, d});
    torch::Tensor k = m_k(x).view({b, t, m_options.kvHeads, d});
    torch::Tensor v = m_v(x).view({b, t, m_options.kvHeads, d}).transpose(1, 2);
    if (m_options.qkNorm) {  // Qwen3: per head, before the rotation
        q = m_qNorm(q);
        k = m_kNorm(k);
    }
    q = applyRotary(q.transpose(1, 2), cos, sin);  // [B, H, T, D]
    k = applyRotary(k.transpose(1, 2), cos, sin);  // [B, H_kv, T, D]
    std::tie(k, v) = withCache(k, v, cacheK, cacheV);
    // Grouped-query attention: each K/V head serves heads / kvHeads consecutive query heads
    // (transformers' repeat_kv). The cache keeps the unrepeated heads.
    if (const std::int64_t groups = m_options.heads / m_options.kvHeads; groups > 1) {
        k = k.repeat_interleave(groups, 1);
        v = v.repeat_interleave(groups, 1);
    }
    torch::Tensor y = compat::attention(q, k, v, allowed);  // [B, H, T, D]
    return m_o(y.transpose(1, 2).reshape({b, t, m_options.heads * d}));
}

SwiGluMlpImpl::SwiGluMlpImpl(std::int64_t hidden, std::int64_t intermediate, bool bias) {
    m_gate = register_module("gate_proj", AdaptableLinear(hidden, intermediate, bias));
    m_up = register_module("up_proj", AdaptableLinear(hidden, intermediate, bias));
    m_down = register_module("down_proj", AdaptableLinear(intermediate, hidden, bias));
}

torch::Tensor SwiGluMlpImpl::forward(const torch::Tensor &x) { return m_down(torch::silu(m_gate(x)) * m_up(x)); }

DecoderLayerImpl::DecoderLayerImpl(const AttentionOptions &attention, std::int64_t intermediate, bool mlpBias) {
    m_inputNorm = register_module("input_layernorm", RmsNorm(attention.hidden, attention.normEps));
    m_attn = register_module("self_attn", Attention(attention));
    m_postNorm = register_module("post_attention_layernorm", RmsNorm(attention.hidden, attention.normEps));
    m_mlp = register_module("mlp", SwiGluMlp(attention.hidden, intermediate, mlpBias));
}

torch::Tensor DecoderLayerImpl::forward(torch::Tensor x, const torch::Tensor &cos, const torch::Tensor &sin,
                                        const torch::Tensor &allowed, torch::Tensor *cacheK, torch::Tensor *cacheV) {
    x = x + m_attn(m_inputNorm(x), cos, sin, allowed, cacheK, cacheV);
    return x + m_mlp(m_postNorm(x));
}

DecoderStackImpl::DecoderStackImpl(const HfConfig &c) : m_rotary(c.headDim, c.ropeTheta, c.ropeScaling) {
    AttentionOptions attention{c.hiddenSize,    c.heads,     c.kvHeads, c.headDim,
                               c.attentionBias, c.oProjBias, c.qkNorm,  c.normEps};
    m_embed = register_module("embed_tokens", nn::Embedding(c.vocabSize, c.hiddenSize));
    m_layers = register_module("layers", nn::ModuleList());
    for (std::int64_t i = 0; i < c.layers; ++i)
        m_layers->push_back(DecoderLayer(attention, c.intermediateSize, c.mlpBias));
    m_norm = register_module("norm", RmsNorm(c.hiddenSize, c.normEps));
}

torch::Tensor DecoderStackImpl::forward(const torch::Tensor &ids, const torch::Tensor &positions,
                                        const torch::Tensor &allowed, KvCache *cache, bool checkpoint) {
    torch::Tensor x = m_embed(ids);
    auto [cos, sin] = m_rotary.cosSin(positions, x.scalar_type());
    for (std::size_t i = 0; i < m_layers->size(); ++i) {
        auto layer = std::dynamic_pointer_cast<DecoderLayerImpl>(m_layers->ptr(i));
        if (checkpoint && !cache) {
            // Captured by value: checkpointed() calls this again in the backward pass. cos, sin
            // and the mask need no grad, as it requires of captured tensors.
            x = checkpointed(
                [layer, cos, sin, allowed](const torch::Tensor &h) {
                    return layer->forward(h, cos, sin, allowed, nullptr, nullptr);
                },
                x);
            continue;
        }
        torch::Tensor *k = cache ? &cache->keys[i] : nullptr;
        torch::Tensor *v = cache ? &cache->values[i] : nullptr;
        x = layer->forward(x, cos, sin, allowed, k, v);
    }
    return m_norm(x);
}

DecoderLmImpl::DecoderLmImpl(const HfConfig &config) : HfCausalLmImpl(config) {
    m_model = register_module("model", DecoderStack(config));
    if (!config.tieWordEmbeddings)
        m_lmHead = register_module("lm_head", AdaptableLinear(config.hiddenSize, config.vocabSize, false));
}

torch::Tensor DecoderLmImpl::logits(const torch::Tensor &states) {
    if (m_lmHead) return m_lmHead(states);
    return torch::matmul(states, m_model->embedTokens()->weight.t());
}

torch::Tensor DecoderLmImpl::forward(const torch::Tensor &ids) {
    TORCH_CHECK(ids.size(1) <= m_config.maxPositions, "sequence of ", ids.size(1),
                " tokens is longer than the model's context of ", m_config.maxPositions);
    return logits(m_model->forward(ids, defaultPositions(ids), {}, nullptr, m_gradientCheckpointing));
}

torch::Tensor DecoderLmImpl::forwardCached(const torch::Tensor &ids, const torch::Tensor &positions,
                                           const torch::Tensor &valid, KvCache &cache) {
    TORCH_CHECK(positions.numel() == 0 || positions.max().item<std::int64_t>() < m_config.maxPositions,
                "sampling past the model's context of ", m_config.maxPositions, " tokens");
    torch::Tensor allowed = extendCacheMask(cache, valid, m_model->layerCount());
    return logits(m_model->forward(ids, positions, allowed, &cache));
}

}  // namespace inoculab::model::hf
