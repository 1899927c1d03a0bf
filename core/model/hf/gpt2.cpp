// GPT-2 (transformers' GPT2LMHeadModel): learned positions, pre-LayerNorm blocks, fused
// q/k/v projection (c_attn), gelu_new MLP, lm_head tied to wte. Submodules are named as in
// the state dict ("transformer.h.0.attn.c_attn"). On disk, Conv1D weights are [in, out]
// (transposed here into AdaptableLinear's [out, in]) and the original gpt2 files name
// tensors without the "transformer." prefix; both spellings load.
#include "model/activation_checkpoint.h"
#include "model/fused_attention.h"
#include "model/hf/common_blocks.h"
#include "model/hf/registry.h"
#include "model/torch_compat.h"

namespace inoculab::model::hf {

namespace {

namespace nn = torch::nn;

class Gpt2AttentionImpl : public nn::Module {
public:
    explicit Gpt2AttentionImpl(const HfConfig &c) : m_heads(c.heads) {
        m_cAttn = register_module("c_attn", AdaptableLinear(c.hiddenSize, 3 * c.hiddenSize, true));
        m_cProj = register_module("c_proj", AdaptableLinear(c.hiddenSize, c.hiddenSize, true));
    }

    torch::Tensor forward(const torch::Tensor &x, const torch::Tensor &allowed, torch::Tensor *cacheK,
                          torch::Tensor *cacheV) {
        const std::int64_t b = x.size(0), t = x.size(1), c = x.size(2);
        torch::Tensor projected = m_cAttn(x);  // [B, T, 3C]
        // Training and full-sequence passes on the CPU: as the toy model (model/gpt.cpp).
        if (!cacheK && !allowed.defined() && fusedAttentionApplies(projected))
            return m_cProj(fusedCausalAttention(projected, m_heads));
        // [B, T, 3C] -> q, k, v [B, H, T, D]; scores scaled by 1/sqrt(D) (scale_attn_weights).
        std::vector<torch::Tensor> qkv =
            projected.view({b, t, 3, m_heads, c / m_heads}).permute({2, 0, 3, 1, 4}).unbind(0);
        auto [k, v] = withCache(qkv[1], qkv[2], cacheK, cacheV);
        torch::Tensor y = compat::attention(qkv[0], k, v, allowed);
        return m_cProj(y.transpose(1, 2).reshape({b, t, c}));
    }

private:
    std::int64_t m_heads;
    AdaptableLinear m_cAttn{nullptr}, m_cProj{nullptr};
};
TORCH_MODULE(Gpt2Attention);

class Gpt2MlpImpl : public nn::Module {
public:
    explicit Gpt2MlpImpl(const HfConfig &c) : m_act(c.hiddenAct) {
        m_cFc = register_module("c_fc", AdaptableLinear(c.hiddenSize, c.intermediateSize, true));
        m_cProj = register_module("c_proj", AdaptableLinear(c.intermediateSize, c.hiddenSize, true));
    }
    torch::Tensor forward(const torch::Tensor &x) { return m_cProj(activation(m_act, m_cFc(x))); }

private:
    std::string m_act;
    AdaptableLinear m_cFc{nullptr}, m_cProj{nullptr};
};
TORCH_MODULE(Gpt2Mlp);

nn::LayerNorm layerNorm(const HfConfig &c) {
    return nn::LayerNorm(nn::LayerNormOptions({c.hiddenSize}).eps(c.normEps));
}

class Gpt2BlockImpl : public nn::Module {
public:
    explicit Gpt2BlockImpl(const HfConfig &c) {
        m_ln1 = register_module("ln_1", layerNorm(c));
        m_attn = register_module("attn", Gpt2Attention(c));
        m_ln2 = register_module("ln_2", layerNorm(c));
        m_mlp = register_module("mlp", Gpt2Mlp(c));
    }
    torch::Tensor forward(torch::Tensor x, const torch::Tensor &allowed, torch::Tensor *cacheK, torch::Tensor *cacheV) {
        x = x + m_attn(m_ln1(x), allowed, cacheK, cacheV);
        return x + m_mlp(m_ln2(x));
    }

private:
    nn::LayerNorm m_ln1{nullptr}, m_ln2{nullptr};
    Gpt2Attention m_attn{nullptr};
    Gpt2Mlp m_mlp{nullptr};
};
TORCH_MODULE(Gpt2Block);

// "transformer": wte, wpe, h, ln_f.
class Gpt2ModelImpl : public nn::Module {
public:
    explicit Gpt2ModelImpl(const HfConfig &c) {
        m_wte = register_module("wte", nn::Embedding(c.vocabSize, c.hiddenSize));
        m_wpe = register_module("wpe", nn::Embedding(c.maxPositions, c.hiddenSize));
        m_h = register_module("h", nn::ModuleList());
        for (std::int64_t i = 0; i < c.layers; ++i) m_h->push_back(Gpt2Block(c));
        m_lnF = register_module("ln_f", layerNorm(c));
    }
    torch::Tensor forward(const torch::Tensor &ids, const torch::Tensor &positions, const torch::Tensor &allowed,
                          KvCache *cache, bool checkpoint = false) {
        torch::Tensor x = m_wte(ids) + m_wpe(positions);
        for (std::size_t i = 0; i < m_h->size(); ++i) {
            auto block = std::dynamic_pointer_cast<Gpt2BlockImpl>(m_h->ptr(i));
            if (checkpoint && !cache) {
                // Captured by value: checkpointed() calls this again in the backward pass.
                x = checkpointed(
                    [block, allowed](const torch::Tensor &h) { return block->forward(h, allowed, nullptr, nullptr); },
                    x);
                continue;
            }
            torch::Tensor *k = cache ? &cache->keys[i] : nullptr;
            torch::Tensor *v = cache ? &cache->values[i] : nullptr;
            x = block->forward(x, allowed, k, v);
        }
        return m_lnF(x);
    }
    nn::Embedding &wte() { return m_wte; }
    std::size_t layerCount() const { return m_h->size(); }

private:
    nn::Embedding m_wte{nullptr}, m_wpe{nullptr};
    nn::ModuleList m_h;
    nn::LayerNorm m_lnF{nullptr};
};
TORCH_MODULE(Gpt2Model);

class Gpt2LmImpl : public HfCausalLmImpl {
public:
    explicit Gpt2LmImpl(const HfConfig &c) : HfCausalLmImpl(c) {
        m_transformer = register_module("transformer", Gpt2Model(c));
        if (!c.tieWordEmbeddings)
            m_lmHead = register_module("lm_head", AdaptableLinear(c.hiddenSize, c.vocabSize, false));
    }

    torch::Tensor forward(const torch::Tensor &ids) override {
        TORCH_CHECK(ids.size(1) <= m_config.maxPositions, "sequence of ", ids.size(1),
                    " tokens is longer than the model's context of ", m_config.maxPositions);
        return logits(m_transformer->forward(ids, defaultPositions(ids), {}, nullptr, m_gradientCheckpointing));
    }

    torch::Tensor forwardCached(const torch::Tensor &ids, const torch::Tensor &positions, const torch::Tensor &valid,
                                KvCache &cache) override {
        TORCH_CHECK(positions.numel() == 0 || positions.max().item<std::int64_t>() < m_config.maxPositions,
                    "sampling past the model's context of ", m_config.maxPositions, " tokens");
        torch::Tensor allowed = extendCacheMask(cache, valid, m_transformer->layerCount());
        return logits(m_transformer->forward(ids, positions, allowed, &cache));
    }

private:
    torch::Tensor logits(const torch::Tensor &states) {
        if (m_lmHead) return m_lmHead(states);
        return torch::matmul(states, m_transformer->wte()->weight.t());
    }

    Gpt2Model m_transformer{nullptr};
    AdaptableLinear m_lmHead{nullptr};
};

bool endsWith(const std::string &s, const std::string &suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Conv1D modules store weight [in, out]; every 2-D weight of a block is one.
bool isConv1dWeight(const std::string &parameter) {
    return parameter.find(".h.") != std::string::npos && endsWith(parameter, ".weight") &&
           (parameter.find(".c_attn.") != std::string::npos || parameter.find(".c_proj.") != std::string::npos ||
            parameter.find(".c_fc.") != std::string::npos);
}

}  // namespace

HfArchitecture gpt2Architecture() {
    HfArchitecture a;
    a.family = "gpt2";
    a.build = [](const HfConfig &config) -> CausalLm { return std::make_shared<Gpt2LmImpl>(config); };
    a.embeddingParameter = "transformer.wte.weight";
    a.parameterName = [](const std::string &name) -> std::string {
        // The causal-mask buffers of old GPT-2 files (attn.bias, attn.masked_bias).
        if (endsWith(name, ".attn.bias") || endsWith(name, ".attn.masked_bias")) return {};
        if (name.rfind("transformer.", 0) == 0 || name.rfind("lm_head.", 0) == 0) return name;
        return "transformer." + name;
    };
    a.diskName = [](const std::string &name) { return name; };
    a.fromDisk = a.toDisk = [](const std::string &parameter, const torch::Tensor &t) {
        return isConv1dWeight(parameter) && t.dim() == 2 ? t.t() : t;
    };
    return a;
}

}  // namespace inoculab::model::hf
