#pragma once
// HfConfig: the fields of a Hugging Face config.json that the supported architectures (GPT-2,
// Llama 2/3, Qwen2/2.5, Qwen3) need, read strictly: a model built from a field we guessed
// would load without complaint and then produce wrong logits, so every missing required
// field, wrong type or unsupported option is an InputError "config.json: field: reason".
// No torch here: `inoculab-cli model info` reads configs without the engine.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace inoculab::model::hf {

// Llama 3.1's "llama3" RoPE frequency scaling (the only rope_scaling type supported).
struct Llama3RopeScaling {
    double factor = 8.0;
    double lowFreqFactor = 1.0;
    double highFreqFactor = 4.0;
    std::int64_t originalMaxPositionEmbeddings = 8192;
};

struct HfConfig {
    // "gpt2", "llama", "qwen2" or "qwen3": the registry key of the architecture.
    std::string family;
    std::vector<std::string> architectures;  // as written, e.g. "LlamaForCausalLM"

    std::int64_t vocabSize = 0;
    std::int64_t hiddenSize = 0;        // n_embd for GPT-2
    std::int64_t layers = 0;            // num_hidden_layers / n_layer
    std::int64_t heads = 0;             // num_attention_heads / n_head
    std::int64_t kvHeads = 0;           // num_key_value_heads (default: heads)
    std::int64_t headDim = 0;           // head_dim (default: hidden / heads)
    std::int64_t intermediateSize = 0;  // intermediate_size / n_inner (GPT-2: 4 * n_embd)
    std::int64_t maxPositions = 0;      // max_position_embeddings / n_positions
    double normEps = 1e-5;              // rms_norm_eps / layer_norm_epsilon
    double ropeTheta = 10000.0;         // unused by GPT-2
    std::optional<Llama3RopeScaling> ropeScaling;
    bool tieWordEmbeddings = false;
    bool attentionBias = false;  // q/k/v (and Llama's o) projections have a bias
    bool oProjBias = false;      // Llama's attention_bias also covers o_proj; Qwen2's does not
    bool mlpBias = false;        // Llama's mlp_bias
    bool qkNorm = false;         // Qwen3: per-head RMSNorm of q and k
    std::string hiddenAct;       // silu, gelu_new, gelu_pytorch_tanh, gelu, relu
    std::string torchDtype;      // "" when absent
    std::vector<std::int64_t> bosTokenIds, eosTokenIds;

    // The parsed fields, under the Hugging Face names, for display.
    nlohmann::ordered_json toJson() const;
};

// The supported families, in the order they are listed to users.
const std::vector<std::string> &supportedFamilies();

// `file` names the document in errors (a path, or "config.json").
HfConfig parseHfConfig(const nlohmann::json &doc, const std::string &file = "config.json");
// Reads and parses PATH (a config.json). Throws InputError naming the path.
HfConfig readHfConfig(const std::string &path);

}  // namespace inoculab::model::hf
