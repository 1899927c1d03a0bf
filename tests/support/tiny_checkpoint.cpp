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

constexpr std::int64_t kVocab = 300, kHidden = 64, kLayers = 2, kHeads = 4, kKvHeads = 2;
constexpr std::int64_t kIntermediate = 128, kGpt2Positions = 128, kMaxPositions = 256;
constexpr std::int64_t kQwen3HeadDim = 32;  // != hidden / heads, as in the real Qwen3 models

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

std::vector<Spec> gpt2Specs() {
    // Named as in the original gpt2 repository: no "transformer." prefix, Conv1D weights
    // [in, out], and the causal-mask buffer attn.bias saved with the weights.
    std::vector<Spec> s{{"wte.weight", {kVocab, kHidden}, Kind::Embedding},
                        {"wpe.weight", {kGpt2Positions, kHidden}, Kind::Embedding}};
    for (std::int64_t i = 0; i < kLayers; ++i) {
        std::string p = "h." + std::to_string(i) + ".";
        s.push_back({p + "ln_1.weight", {kHidden}, Kind::Norm});
        s.push_back({p + "ln_1.bias", {kHidden}, Kind::Bias});
        s.push_back({p + "attn.bias", {1, 1, kGpt2Positions, kGpt2Positions}, Kind::CausalMask});
        s.push_back({p + "attn.c_attn.weight", {kHidden, 3 * kHidden}, Kind::Matrix});
        s.push_back({p + "attn.c_attn.bias", {3 * kHidden}, Kind::Bias});
        s.push_back({p + "attn.c_proj.weight", {kHidden, kHidden}, Kind::Matrix});
        s.push_back({p + "attn.c_proj.bias", {kHidden}, Kind::Bias});
        s.push_back({p + "ln_2.weight", {kHidden}, Kind::Norm});
        s.push_back({p + "ln_2.bias", {kHidden}, Kind::Bias});
        s.push_back({p + "mlp.c_fc.weight", {kHidden, 4 * kHidden}, Kind::Matrix});
        s.push_back({p + "mlp.c_fc.bias", {4 * kHidden}, Kind::Bias});
        s.push_back({p + "mlp.c_proj.weight", {4 * kHidden, kHidden}, Kind::Matrix});
        s.push_back({p + "mlp.c_proj.bias", {kHidden}, Kind::Bias});
    }
    s.push_back({"ln_f.weight", {kHidden}, Kind::Norm});
    s.push_back({"ln_f.bias", {kHidden}, Kind::Bias});
    return s;
}

std::vector<Spec> decoderSpecs(const std::string &arch) {
    const bool qkvBias = arch.rfind("qwen2", 0) == 0, qkNorm = arch == "qwen3";
    const std::int64_t d = qkNorm ? kQwen3HeadDim : kHidden / kHeads;
    std::vector<Spec> s{{"model.embed_tokens.weight", {kVocab, kHidden}, Kind::Embedding}};
    for (std::int64_t i = 0; i < kLayers; ++i) {
        std::string p = "model.layers." + std::to_string(i) + ".";
        s.push_back({p + "input_layernorm.weight", {kHidden}, Kind::Norm});
        s.push_back({p + "self_attn.q_proj.weight", {kHeads * d, kHidden}, Kind::Matrix});
        s.push_back({p + "self_attn.k_proj.weight", {kKvHeads * d, kHidden}, Kind::Matrix});
        s.push_back({p + "self_attn.v_proj.weight", {kKvHeads * d, kHidden}, Kind::Matrix});
        if (qkvBias) {
            s.push_back({p + "self_attn.q_proj.bias", {kHeads * d}, Kind::Bias});
            s.push_back({p + "self_attn.k_proj.bias", {kKvHeads * d}, Kind::Bias});
            s.push_back({p + "self_attn.v_proj.bias", {kKvHeads * d}, Kind::Bias});
        }
        if (qkNorm) {
            s.push_back({p + "self_attn.q_norm.weight", {d}, Kind::Norm});
            s.push_back({p + "self_attn.k_norm.weight", {d}, Kind::Norm});
        }
        s.push_back({p + "self_attn.o_proj.weight", {kHidden, kHeads * d}, Kind::Matrix});
        s.push_back({p + "post_attention_layernorm.weight", {kHidden}, Kind::Norm});
        s.push_back({p + "mlp.gate_proj.weight", {kIntermediate, kHidden}, Kind::Matrix});
        s.push_back({p + "mlp.up_proj.weight", {kIntermediate, kHidden}, Kind::Matrix});
        s.push_back({p + "mlp.down_proj.weight", {kHidden, kIntermediate}, Kind::Matrix});
    }
    s.push_back({"model.norm.weight", {kHidden}, Kind::Norm});
    if (!tinyConfig(arch)["tie_word_embeddings"].get<bool>())
        s.push_back({"lm_head.weight", {kVocab, kHidden}, Kind::Matrix});
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

ordered_json decoderConfig(const char *modelType, const char *architecture) {
    return ordered_json{{"architectures", {architecture}},
                        {"attention_dropout", 0.0},
                        {"bos_token_id", 1},
                        {"eos_token_id", 2},
                        {"hidden_act", "silu"},
                        {"hidden_size", kHidden},
                        {"initializer_range", 0.02},
                        {"intermediate_size", kIntermediate},
                        {"max_position_embeddings", kMaxPositions},
                        {"model_type", modelType},
                        {"num_attention_heads", kHeads},
                        {"num_hidden_layers", kLayers},
                        {"num_key_value_heads", kKvHeads},
                        {"rms_norm_eps", 1e-6},
                        {"rope_scaling", nullptr},
                        {"rope_theta", 1000000.0},
                        {"tie_word_embeddings", false},
                        {"torch_dtype", "float32"},
                        {"transformers_version", "4.51.0"},
                        {"use_cache", true},
                        {"vocab_size", kVocab}};
}

}  // namespace

const std::vector<std::string> &tinyArchitectures() {
    static const std::vector<std::string> names{"gpt2", "llama", "qwen2", "qwen2-untied", "qwen3"};
    return names;
}

ordered_json tinyConfig(const std::string &arch) {
    if (arch == "gpt2")
        return ordered_json{{"activation_function", "gelu_new"},
                            {"architectures", {"GPT2LMHeadModel"}},
                            {"attn_pdrop", 0.1},
                            {"bos_token_id", kVocab - 1},
                            {"embd_pdrop", 0.1},
                            {"eos_token_id", kVocab - 1},
                            {"initializer_range", 0.02},
                            {"layer_norm_epsilon", 1e-5},
                            {"model_type", "gpt2"},
                            {"n_ctx", kGpt2Positions},
                            {"n_embd", kHidden},
                            {"n_head", kHeads},
                            {"n_layer", kLayers},
                            {"n_positions", kGpt2Positions},
                            {"resid_pdrop", 0.1},
                            {"vocab_size", kVocab}};
    if (arch == "llama") {
        ordered_json c = decoderConfig("llama", "LlamaForCausalLM");
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
        ordered_json c = decoderConfig("qwen2", "Qwen2ForCausalLM");
        c["max_window_layers"] = kLayers;
        c["sliding_window"] = kMaxPositions;
        c["tie_word_embeddings"] = arch == "qwen2";
        c["use_sliding_window"] = false;
        return c;
    }
    if (arch == "qwen3") {
        ordered_json c = decoderConfig("qwen3", "Qwen3ForCausalLM");
        c["attention_bias"] = false;
        c["head_dim"] = kQwen3HeadDim;
        c["tie_word_embeddings"] = true;
        return c;
    }
    throw std::invalid_argument("unknown tiny architecture \"" + arch + "\"");
}

void writeTinyCheckpoint(const std::string &arch, const std::string &dir, const TinyCheckpointOptions &options) {
    ordered_json config = tinyConfig(arch);
    if (options.bf16) config["torch_dtype"] = "bfloat16";
    std::vector<Spec> specs = isGpt2(arch) ? gpt2Specs() : decoderSpecs(arch);

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
