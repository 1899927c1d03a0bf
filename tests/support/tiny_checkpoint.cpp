#include "tiny_checkpoint.h"

#include "model/safetensors.h"

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <numbers>
#include <random>
#include <stdexcept>

namespace inoculab::test {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

namespace {

// How a tensor's values are drawn.
enum class Kind { Matrix, Embedding, Norm, Bias, CausalMask };

struct Spec {
    std::string name;
    std::vector<std::int64_t> shape;
    Kind kind;
};

// Box-Muller over mt19937_64, so that the values do not depend on the standard library's
// normal_distribution.
class Normal {
public:
    explicit Normal(std::uint64_t seed) : m_engine(seed) {}
    double next() {
        double u1 = (static_cast<double>(m_engine() >> 11) + 1.0) * 0x1.0p-53;  // (0, 1]
        double u2 = static_cast<double>(m_engine() >> 11) * 0x1.0p-53;
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
    }

private:
    std::mt19937_64 m_engine;
};

bool isGpt2(const std::string &arch) { return arch == "gpt2"; }

std::vector<Spec> gpt2Specs(const TinyDims &dims) {
    // Named as in the original gpt2 repository: no "transformer." prefix, Conv1D weights
    // [in, out], and the causal-mask buffer attn.bias saved with the weights.
    std::vector<Spec> s{{"wte.weight", {dims.vocab, dims.hidden}, Kind::Embedding},
                        {"wpe.weight", {dims.gpt2Positions, dims.hidden}, Kind::Embedding}};
    for (std::int64_t i = 0; i < dims.layers; ++i) {
        std::string p = "h." + std::to_string(i) + ".";
        s.push_back({p + "ln_1.weight", {dims.hidden}, Kind::Norm});
        s.push_back({p + "ln_1.bias", {dims.hidden}, Kind::Bias});
        s.push_back({p + "attn.bias", {1, 1, dims.gpt2Positions, dims.gpt2Positions}, Kind::CausalMask});
        s.push_back({p + "attn.c_attn.weight", {dims.hidden, 3 * dims.hidden}, Kind::Matrix});
        s.push_back({p + "attn.c_attn.bias", {3 * dims.hidden}, Kind::Bias});
        s.push_back({p + "attn.c_proj.weight", {dims.hidden, dims.hidden}, Kind::Matrix});
        s.push_back({p + "attn.c_proj.bias", {dims.hidden}, Kind::Bias});
        s.push_back({p + "ln_2.weight", {dims.hidden}, Kind::Norm});
        s.push_back({p + "ln_2.bias", {dims.hidden}, Kind::Bias});
        s.push_back({p + "mlp.c_fc.weight", {dims.hidden, 4 * dims.hidden}, Kind::Matrix});
        s.push_back({p + "mlp.c_fc.bias", {4 * dims.hidden}, Kind::Bias});
        s.push_back({p + "mlp.c_proj.weight", {4 * dims.hidden, dims.hidden}, Kind::Matrix});
        s.push_back({p + "mlp.c_proj.bias", {dims.hidden}, Kind::Bias});
    }
    s.push_back({"ln_f.weight", {dims.hidden}, Kind::Norm});
    s.push_back({"ln_f.bias", {dims.hidden}, Kind::Bias});
    return s;
}

std::vector<Spec> decoderSpecs(const std::string &arch, const TinyDims &dims) {
    const bool qkvBias = arch.rfind("qwen2", 0) == 0, qkNorm = arch == "qwen3";
    const std::int64_t d = qkNorm ? dims.qwen3HeadDim : dims.hidden / dims.heads;
    std::vector<Spec> s{{"model.embed_tokens.weight", {dims.vocab, dims.hidden}, Kind::Embedding}};
    for (std::int64_t i = 0; i < dims.layers; ++i) {
        std::string p = "model.layers." + std::to_string(i) + ".";
        s.push_back({p + "input_layernorm.weight", {dims.hidden}, Kind::Norm});
        s.push_back({p + "self_attn.q_proj.weight", {dims.heads * d, dims.hidden}, Kind::Matrix});
        s.push_back({p + "self_attn.k_proj.weight", {dims.kvHeads * d, dims.hidden}, Kind::Matrix});
        s.push_back({p + "self_attn.v_proj.weight", {dims.kvHeads * d, dims.hidden}, Kind::Matrix});
        if (qkvBias) {
            s.push_back({p + "self_attn.q_proj.bias", {dims.heads * d}, Kind::Bias});
            s.push_back({p + "self_attn.k_proj.bias", {dims.kvHeads * d}, Kind::Bias});
            s.push_back({p + "self_attn.v_proj.bias", {dims.kvHeads * d}, Kind::Bias});
        }
        if (qkNorm) {
            s.push_back({p + "self_attn.q_norm.weight", {d}, Kind::Norm});
            s.push_back({p + "self_attn.k_norm.weight", {d}, Kind::Norm});
        }
        s.push_back({p + "self_attn.o_proj.weight", {dims.hidden, dims.heads * d}, Kind::Matrix});
        s.push_back({p + "post_attention_layernorm.weight", {dims.hidden}, Kind::Norm});
        s.push_back({p + "mlp.gate_proj.weight", {dims.intermediate, dims.hidden}, Kind::Matrix});
        s.push_back({p + "mlp.up_proj.weight", {dims.intermediate, dims.hidden}, Kind::Matrix});
        s.push_back({p + "mlp.down_proj.weight", {dims.hidden, dims.intermediate}, Kind::Matrix});
    }
    s.push_back({"model.norm.weight", {dims.hidden}, Kind::Norm});
    if (!tinyConfig(arch, dims)["tie_word_embeddings"].get<bool>())
        s.push_back({"lm_head.weight", {dims.vocab, dims.hidden}, Kind::Matrix});
    return s;
}

std::vector<float> draw(const Spec &spec, Normal &normal) {
    std::int64_t n = 1;
    for (std::int64_t d : spec.shape) n *= d;
    std::vector<float> v(static_cast<std::size_t>(n));
    if (spec.kind == Kind::CausalMask) {  // tril of ones, as GPT-2 registers it
        const std::int64_t p = spec.shape.back();
        for (std::int64_t i = 0; i < p; ++i)
            for (std::int64_t j = 0; j <= i; ++j) v[static_cast<std::size_t>(i * p + j)] = 1.0f;
        return v;
    }
    // Matrices are [out, in] except GPT-2's Conv1D [in, out]; the fan-in is the smaller
    // scale either way at these sizes, so use the geometric mean of both dimensions.
    double std = 0.1;
    if (spec.kind == Kind::Matrix) std = 1.0 / std::sqrt(std::sqrt(double(spec.shape[0]) * double(spec.shape[1])));
    if (spec.kind == Kind::Embedding) std = 0.5;
    for (float &x : v) x = static_cast<float>((spec.kind == Kind::Norm ? 1.0 : 0.0) + std * normal.next());
    return v;
}

std::vector<std::uint8_t> bytesOf(const std::vector<float> &v, bool bf16) {
    std::vector<std::uint8_t> out;
    if (!bf16) {
        out.resize(v.size() * 4);
        std::memcpy(out.data(), v.data(), out.size());
        return out;
    }
    out.resize(v.size() * 2);
    for (std::size_t i = 0; i < v.size(); ++i) {
        std::uint32_t bits;
        std::memcpy(&bits, &v[i], 4);
        bits += 0x7fff + ((bits >> 16) & 1);  // round to nearest even (values are finite)
        auto half = static_cast<std::uint16_t>(bits >> 16);
        std::memcpy(out.data() + 2 * i, &half, 2);
    }
    return out;
}

void writeJson(const fs::path &path, const ordered_json &doc) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << doc.dump(2) << '\n';
    if (!out) throw std::runtime_error("cannot write " + path.string());
}

ordered_json decoderConfig(const char *modelType, const char *architecture, const TinyDims &dims) {
    return ordered_json{{"architectures", {architecture}},
                        {"attention_dropout", 0.0},
                        {"bos_token_id", 1},
                        {"eos_token_id", 2},
                        {"hidden_act", "silu"},
                        {"hidden_size", dims.hidden},
                        {"initializer_range", 0.02},
                        {"intermediate_size", dims.intermediate},
                        {"max_position_embeddings", dims.maxPositions},
                        {"model_type", modelType},
                        {"num_attention_heads", dims.heads},
                        {"num_hidden_layers", dims.layers},
                        {"num_key_value_heads", dims.kvHeads},
                        {"rms_norm_eps", 1e-6},
                        {"rope_scaling", nullptr},
                        {"rope_theta", 1000000.0},
                        {"tie_word_embeddings", false},
                        {"torch_dtype", "float32"},
                        {"transformers_version", "4.51.0"},
                        {"use_cache", true},
                        {"vocab_size", dims.vocab}};
}

}  // namespace

TinyDims qwen25HalfBillionDims() {
    TinyDims d;
    d.vocab = 151936;
    d.hidden = 896;
    d.layers = 24;
    d.heads = 14;
    d.kvHeads = 2;
    d.intermediate = 4864;
    d.maxPositions = 32768;
    return d;
}

const std::vector<std::string> &tinyArchitectures() {
    static const std::vector<std::string> names{"gpt2", "llama", "qwen2", "qwen2-untied", "qwen3"};
    return names;
}

ordered_json tinyConfig(const std::string &arch, const TinyDims &dims) {
    if (arch == "gpt2")
        return ordered_json{{"activation_function", "gelu_new"},
                            {"architectures", {"GPT2LMHeadModel"}},
                            {"attn_pdrop", 0.1},
                            {"bos_token_id", dims.vocab - 1},
                            {"embd_pdrop", 0.1},
                            {"eos_token_id", dims.vocab - 1},
                            {"initializer_range", 0.02},
                            {"layer_norm_epsilon", 1e-5},
                            {"model_type", "gpt2"},
                            {"n_ctx", dims.gpt2Positions},
                            {"n_embd", dims.hidden},
                            {"n_head", dims.heads},
                            {"n_layer", dims.layers},
                            {"n_positions", dims.gpt2Positions},
                            {"resid_pdrop", 0.1},
                            {"vocab_size", dims.vocab}};
    if (arch == "llama") {
        ordered_json c = decoderConfig("llama", "LlamaForCausalLM", dims);
        c["attention_bias"] = false;
        c["eos_token_id"] = {2, 3};  // Llama 3.1 Instruct lists several
        c["mlp_bias"] = false;
        c["pretraining_tp"] = 1;
        c["rms_norm_eps"] = 1e-5;
        // Llama 3.1's scaling, with the original context shrunk so that the tiny head
        // (8 frequencies at theta 10000) has high, medium and low bands.
        c["rope_scaling"] = {{"factor", 8.0},
                             {"high_freq_factor", 4.0},
                             {"low_freq_factor", 1.0},
                             {"original_max_position_embeddings", 64},
                             {"rope_type", "llama3"}};
        c["rope_theta"] = 10000.0;
        return c;
    }
    if (arch == "qwen2" || arch == "qwen2-untied") {
        ordered_json c = decoderConfig("qwen2", "Qwen2ForCausalLM", dims);
        c["max_window_layers"] = dims.layers;
        c["sliding_window"] = dims.maxPositions;
        c["tie_word_embeddings"] = arch == "qwen2";
        c["use_sliding_window"] = false;
        return c;
    }
    if (arch == "qwen3") {
        ordered_json c = decoderConfig("qwen3", "Qwen3ForCausalLM", dims);
        c["attention_bias"] = false;
        c["head_dim"] = dims.qwen3HeadDim;
        c["tie_word_embeddings"] = true;
        return c;
    }
    throw std::invalid_argument("unknown tiny architecture \"" + arch + "\"");
}

void writeTinyCheckpoint(const std::string &arch, const std::string &dir, const TinyCheckpointOptions &options) {
    ordered_json config = tinyConfig(arch, options.dims);
    if (options.bf16) config["torch_dtype"] = "bfloat16";
    std::vector<Spec> specs = isGpt2(arch) ? gpt2Specs(options.dims) : decoderSpecs(arch, options.dims);

    Normal normal(options.seed);
    std::vector<std::vector<std::uint8_t>> data;
    for (const Spec &spec : specs) data.push_back(bytesOf(draw(spec, normal), options.bf16));

    fs::create_directories(dir);
    const model::DType dtype = options.bf16 ? model::DType::BF16 : model::DType::F32;
    const std::map<std::string, std::string> metadata{{"format", "pt"}};
    auto tensor = [&](std::size_t i) { return model::TensorToWrite{specs[i].name, dtype, specs[i].shape, data[i]}; };
    if (!options.sharded) {
        std::vector<model::TensorToWrite> all;
        for (std::size_t i = 0; i < specs.size(); ++i) all.push_back(tensor(i));
        model::writeSafetensors((fs::path(dir) / "model.safetensors").string(), all, metadata);
    } else {
        // The first half of the tensors (in writing order) in shard 1, the rest in shard 2.
        const char *names[2] = {"model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"};
        std::vector<model::TensorToWrite> shards[2];
        ordered_json weightMap = ordered_json::object();
        std::uint64_t totalSize = 0;
        for (std::size_t i = 0; i < specs.size(); ++i) {
            int shard = i < specs.size() / 2 ? 0 : 1;
            shards[shard].push_back(tensor(i));
            weightMap[specs[i].name] = names[shard];
            totalSize += data[i].size();
        }
        for (int s = 0; s < 2; ++s) model::writeSafetensors((fs::path(dir) / names[s]).string(), shards[s], metadata);
        writeJson(fs::path(dir) / "model.safetensors.index.json",
                  ordered_json{{"metadata", {{"total_size", totalSize}}}, {"weight_map", weightMap}});
    }
    writeJson(fs::path(dir) / "config.json", config);
    writeJson(fs::path(dir) / "generation_config.json", ordered_json{{"bos_token_id", config["bos_token_id"]},
                                                                     {"eos_token_id", config["eos_token_id"]},
                                                                     {"transformers_version", "4.51.0"}});
}

}  // namespace inoculab::test
