#include "model/hf/hf_config.h"

#include "common/input_error.h"
#include "common/text_file.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

namespace inoculab::model::hf {

namespace {

using nlohmann::json;

// Reads fields of one document; every error names the document and the field.
class Fields {
public:
    Fields(const json &doc, std::string file) : m_doc(doc), m_file(std::move(file)) {}

    [[noreturn]] void fail(const std::string &field, const std::string &reason) const {
        throw common::InputError(m_file, 0, field + ": " + reason);
    }
    // Present and not null.
    bool has(const char *field) const { return m_doc.contains(field) && !m_doc.at(field).is_null(); }
    const json &at(const char *field) const { return m_doc.at(field); }

    std::int64_t integer(const char *field, std::int64_t min) const {
        if (!has(field)) fail(field, "required, missing");
        return integerValue(field, m_doc.at(field), min);
    }
    std::int64_t integerOr(const char *field, std::int64_t fallback, std::int64_t min) const {
        return has(field) ? integerValue(field, m_doc.at(field), min) : fallback;
    }
    // The first of `names` that is present (Llama spelling, then GPT-2 spelling).
    std::int64_t integerAny(std::initializer_list<const char *> names, std::int64_t min) const {
        for (const char *n : names)
            if (has(n)) return integerValue(n, m_doc.at(n), min);
        fail(*names.begin(), "required, missing");
    }
    double positive(const char *field, double fallback, bool required = false) const {
        if (!has(field)) {
            if (required) fail(field, "required, missing");
            return fallback;
        }
        const json &v = m_doc.at(field);
        if (!v.is_number()) fail(field, "expected a number, got " + std::string(v.type_name()));
        double d = v.get<double>();
        if (!(d > 0) || !std::isfinite(d)) fail(field, "must be a positive number, got " + v.dump());
        return d;
    }
    bool boolean(const char *field, bool fallback) const {
        if (!has(field)) return fallback;
        const json &v = m_doc.at(field);
        if (!v.is_boolean()) fail(field, "expected true or false, got " + v.dump());
        return v.get<bool>();
    }
    std::string string(const char *field, const std::string &fallback) const {
        if (!has(field)) return fallback;
        const json &v = m_doc.at(field);
        if (!v.is_string()) fail(field, "expected a string, got " + std::string(v.type_name()));
        return v.get<std::string>();
    }
    // An int or a list of ints (Llama 3's eos_token_id), or null/absent.
    std::vector<std::int64_t> tokenIds(const char *field) const {
        if (!has(field)) return {};
        const json &v = m_doc.at(field);
        if (v.is_number_integer()) return {integerValue(field, v, 0)};
        if (!v.is_array()) fail(field, "expected a token id or a list of token ids, got " + v.dump());
        std::vector<std::int64_t> out;
        for (const json &e : v) {
            if (!e.is_number_integer()) fail(field, "expected a list of token ids, got " + v.dump());
            out.push_back(integerValue(field, e, 0));
        }
        return out;
    }

private:
    std::int64_t integerValue(const std::string &field, const json &v, std::int64_t min) const {
        if (!v.is_number_integer()) fail(field, "expected an integer, got " + v.dump());
        if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX))
            fail(field, "too large: " + v.dump());
        std::int64_t n = v.get<std::int64_t>();
        if (n < min) fail(field, "must be at least " + std::to_string(min) + ", got " + std::to_string(n));
        return n;
    }

    const json &m_doc;
    std::string m_file;
};

struct FamilyName {
    const char *family, *modelType, *architecture;
};
constexpr FamilyName kFamilies[] = {
    {"gpt2", "gpt2", "GPT2LMHeadModel"},
    {"llama", "llama", "LlamaForCausalLM"},
    {"qwen2", "qwen2", "Qwen2ForCausalLM"},
    {"qwen3", "qwen3", "Qwen3ForCausalLM"},
};

// model_type decides; "architectures" is the fallback for old files without it.
std::string detectFamily(const Fields &f, const std::vector<std::string> &architectures) {
    std::string list;
    for (const FamilyName &n : kFamilies) list += std::string(list.empty() ? "" : ", ") + n.modelType;
    if (f.has("model_type")) {
        std::string type = f.string("model_type", "");
        for (const FamilyName &n : kFamilies)
            if (type == n.modelType) return n.family;
        f.fail("model_type", "\"" + type + "\" is not a supported architecture (supported: " + list + ")");
    }
    for (const std::string &a : architectures)
        for (const FamilyName &n : kFamilies)
            if (a == n.architecture) return n.family;
    f.fail("model_type", "missing, and \"architectures\" names no supported architecture (supported: " + list + ")");
}

std::vector<std::string> readArchitectures(const Fields &f) {
    std::vector<std::string> out;
    if (!f.has("architectures")) return out;
    const json &v = f.at("architectures");
    if (!v.is_array()) f.fail("architectures", "expected a list of strings, got " + v.dump());
    for (const json &e : v) {
        if (!e.is_string()) f.fail("architectures", "expected a list of strings, got " + v.dump());
        out.push_back(e.get<std::string>());
    }
    return out;
}

std::optional<Llama3RopeScaling> readRopeScaling(const Fields &f, const std::string &file) {
    if (!f.has("rope_scaling")) return std::nullopt;
    const json &v = f.at("rope_scaling");
    if (!v.is_object()) f.fail("rope_scaling", "expected an object or null, got " + v.dump());
    Fields r(v, file);
    // Newer files spell the kind "rope_type", older ones "type".
    std::string type = r.has("rope_type") ? r.string("rope_type", "") : r.string("type", "");
    if (type == "default") return std::nullopt;  // plain RoPE, written out explicitly
    if (type != "llama3") f.fail("rope_scaling", "type \"" + type + "\" is not supported (only \"llama3\" scaling is)");
    auto fail = [&](const std::string &field, const std::string &reason) { f.fail("rope_scaling." + field, reason); };
    auto number = [&](const char *field) {
        if (!r.has(field)) fail(field, "required, missing");
        const json &x = r.at(field);
        if (!x.is_number() || !(x.get<double>() > 0)) fail(field, "must be a positive number, got " + x.dump());
        return x.get<double>();
    };
    Llama3RopeScaling s;
    s.factor = number("factor");
    s.lowFreqFactor = number("low_freq_factor");
    s.highFreqFactor = number("high_freq_factor");
    if (!(s.highFreqFactor > s.lowFreqFactor)) fail("high_freq_factor", "must be larger than low_freq_factor");
    if (!r.has("original_max_position_embeddings")) fail("original_max_position_embeddings", "required, missing");
    const json &o = r.at("original_max_position_embeddings");
    if (!o.is_number_integer() || o.get<std::int64_t>() < 1)
        fail("original_max_position_embeddings", "must be a positive integer, got " + o.dump());
    s.originalMaxPositionEmbeddings = o.get<std::int64_t>();
    return s;
}

void parseGpt2(const Fields &f, HfConfig &c) {
    c.hiddenSize = f.integer("n_embd", 1);
    c.layers = f.integer("n_layer", 1);
    c.heads = f.integer("n_head", 1);
    c.kvHeads = c.heads;
    c.intermediateSize = f.integerOr("n_inner", 4 * c.hiddenSize, 1);
    c.maxPositions = f.integer("n_positions", 1);
    c.normEps = f.positive("layer_norm_epsilon", 1e-5);
    c.hiddenAct = f.string("activation_function", "gelu_new");
    c.tieWordEmbeddings = f.boolean("tie_word_embeddings", true);
    c.attentionBias = c.oProjBias = c.mlpBias = true;
    // Variants of GPT-2 attention the model does not implement: refuse rather than diverge.
    if (!f.boolean("scale_attn_weights", true)) f.fail("scale_attn_weights", "false is not supported");
    if (f.boolean("scale_attn_by_inverse_layer_idx", false))
        f.fail("scale_attn_by_inverse_layer_idx", "true is not supported");
    if (f.boolean("reorder_and_upcast_attn", false)) f.fail("reorder_and_upcast_attn", "true is not supported");
}

// Llama, Qwen2 and Qwen3 share the field names.
void parseLlamaLike(const Fields &f, const std::string &file, HfConfig &c) {
    c.hiddenSize = f.integer("hidden_size", 1);
    c.layers = f.integer("num_hidden_layers", 1);
    c.heads = f.integer("num_attention_heads", 1);
    c.kvHeads = f.integerOr("num_key_value_heads", c.heads, 1);
    c.intermediateSize = f.integer("intermediate_size", 1);
    c.maxPositions = f.integer("max_position_embeddings", 1);
    c.normEps = f.positive("rms_norm_eps", 1e-6);
    c.ropeTheta = f.positive("rope_theta", 10000.0);
    c.ropeScaling = readRopeScaling(f, file);
    c.hiddenAct = f.string("hidden_act", "silu");
    c.tieWordEmbeddings = f.boolean("tie_word_embeddings", false);
    if (c.heads % c.kvHeads != 0)
        f.fail("num_key_value_heads",
               std::to_string(c.kvHeads) + " does not divide num_attention_heads " + std::to_string(c.heads));
    if (c.family == "qwen2") {
        c.attentionBias = true;  // Qwen2 always has q/k/v biases and never an o_proj bias
        c.oProjBias = false;
        if (f.boolean("use_sliding_window", false)) f.fail("use_sliding_window", "true is not supported");
    } else {
        c.attentionBias = c.oProjBias = f.boolean("attention_bias", false);
        c.mlpBias = f.boolean("mlp_bias", false);
    }
    c.qkNorm = c.family == "qwen3";
    // Qwen3 (and some Llama files) give head_dim explicitly; it need not be hidden / heads.
    if (f.has("head_dim")) {
        c.headDim = f.integer("head_dim", 2);
    } else {
        if (c.hiddenSize % c.heads != 0)
            f.fail("num_attention_heads", std::to_string(c.heads) + " does not divide hidden_size " +
                                              std::to_string(c.hiddenSize) + " and there is no head_dim");
        c.headDim = c.hiddenSize / c.heads;
    }
    if (c.headDim % 2 != 0) f.fail("head_dim", "must be even for rotary embeddings, got " + std::to_string(c.headDim));
    if (c.hiddenAct != "silu") f.fail("hidden_act", "\"" + c.hiddenAct + "\" is not supported (only silu)");
}

}  // namespace

const std::vector<std::string> &supportedFamilies() {
    static const std::vector<std::string> families = [] {
        std::vector<std::string> out;
        for (const FamilyName &n : kFamilies) out.push_back(n.family);
        return out;
    }();
    return families;
}

HfConfig parseHfConfig(const nlohmann::json &doc, const std::string &file) {
    if (!doc.is_object()) throw common::InputError(file, 0, "expected a JSON object");
    Fields f(doc, file);
    HfConfig c;
    c.architectures = readArchitectures(f);
    c.family = detectFamily(f, c.architectures);
    c.vocabSize = f.integer("vocab_size", 1);
    if (c.family == "gpt2") {
        parseGpt2(f, c);
        if (c.hiddenSize % c.heads != 0)
            f.fail("n_head", std::to_string(c.heads) + " does not divide n_embd " + std::to_string(c.hiddenSize));
        c.headDim = c.hiddenSize / c.heads;
        static const std::vector<std::string> acts{"gelu_new", "gelu_pytorch_tanh", "gelu", "relu", "silu"};
        if (std::find(acts.begin(), acts.end(), c.hiddenAct) == acts.end())
            f.fail("activation_function", "\"" + c.hiddenAct + "\" is not supported");
    } else {
        parseLlamaLike(f, file, c);
    }
    // Newer transformers write "dtype", older ones "torch_dtype".
    c.torchDtype = f.has("torch_dtype") ? f.string("torch_dtype", "") : f.string("dtype", "");
    c.bosTokenIds = f.tokenIds("bos_token_id");
    c.eosTokenIds = f.tokenIds("eos_token_id");
    return c;
}

HfConfig readHfConfig(const std::string &path) {
    nlohmann::json doc = nlohmann::json::parse(common::readTextFile(path), nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) throw common::InputError(path, 0, "not valid JSON");
    return parseHfConfig(doc, path);
}

nlohmann::ordered_json HfConfig::toJson() const {
    nlohmann::ordered_json j;
    j["family"] = family;
    j["architectures"] = architectures;
    j["vocab_size"] = vocabSize;
    j["hidden_size"] = hiddenSize;
    j["num_hidden_layers"] = layers;
    j["num_attention_heads"] = heads;
    j["num_key_value_heads"] = kvHeads;
    j["head_dim"] = headDim;
    j["intermediate_size"] = intermediateSize;
    j["max_position_embeddings"] = maxPositions;
    j["norm_eps"] = normEps;
    if (family != "gpt2") j["rope_theta"] = ropeTheta;
    if (ropeScaling)
        j["rope_scaling"] = {{"rope_type", "llama3"},
                             {"factor", ropeScaling->factor},
                             {"low_freq_factor", ropeScaling->lowFreqFactor},
                             {"high_freq_factor", ropeScaling->highFreqFactor},
                             {"original_max_position_embeddings", ropeScaling->originalMaxPositionEmbeddings}};
    j["tie_word_embeddings"] = tieWordEmbeddings;
    j["attention_bias"] = attentionBias;
    j["qk_norm"] = qkNorm;
    j["hidden_act"] = hiddenAct;
    if (!torchDtype.empty()) j["torch_dtype"] = torchDtype;
    if (!bosTokenIds.empty()) j["bos_token_id"] = bosTokenIds;
    if (!eosTokenIds.empty()) j["eos_token_id"] = eosTokenIds;
    return j;
}

}  // namespace inoculab::model::hf
