#pragma once
// Tiny random-weight Hugging Face checkpoints, written in the exact layout of the real model
// repositories (config.json with the real field names, model.safetensors or shards with
// model.safetensors.index.json, generation_config.json), for tests of loading, of the CLI and
// of the GUI, and for the Python reference (tests/reference/hf_logits.py). No torch: only
// inoculab_core's safetensors writer, so CLI tests can use it without the engine.
//
// Sizes: hidden 64, 2 layers, vocabulary 300, so that a forward pass takes milliseconds.
// Weights are not the N(0, 0.02) of a fresh model: they are scaled (1/sqrt(fan-in), norms
// near 1, non-zero biases) so that logits spread widely and every tensor visibly matters.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace inoculab::test {

// The sizes of the checkpoint: the tiny defaults, or a real model's shape (with random
// weights) for timing, e.g. qwen25HalfBillionDims().
struct TinyDims {
    std::int64_t vocab = 300, hidden = 64, layers = 2, heads = 4, kvHeads = 2, intermediate = 128;
    std::int64_t gpt2Positions = 128, maxPositions = 256;
    std::int64_t qwen3HeadDim = 32;  // != hidden / heads, as in the real Qwen3 models
};
// Qwen2.5-0.5B's shape (494M parameters, tied embeddings) for arch "qwen2".
TinyDims qwen25HalfBillionDims();

struct TinyCheckpointOptions {
    std::uint64_t seed = 1;
    bool sharded = false;  // two shards and model.safetensors.index.json instead of one file
    bool bf16 = false;     // BF16 tensors (rounded from the same fp32 draws) instead of F32
    TinyDims dims;         // last: callers write {seed, sharded, bf16}
};

// "gpt2", "llama" (grouped-query attention, Llama 3.1 rope_scaling), "qwen2" (q/k/v biases,
// tied embeddings), "qwen2-untied", "qwen3" (q/k norms, explicit head_dim).
const std::vector<std::string> &tinyArchitectures();

// The config.json the writer puts in the folder. Throws std::invalid_argument for an
// unknown name.
nlohmann::ordered_json tinyConfig(const std::string &arch, const TinyDims &dims = {});

// Creates `dir` (and parents) and writes the checkpoint into it. The same seed gives the
// same weights whatever the options but bf16.
void writeTinyCheckpoint(const std::string &arch, const std::string &dir, const TinyCheckpointOptions &options = {});

}  // namespace inoculab::test
