#pragma once
// GptConfig: the shape of a decoder-only transformer. Torch-free so that specs, job files and
// checkpoint metadata can carry it without linking libtorch.

#include <nlohmann/json.hpp>

#include <cstdint>

namespace inoculab::model {

struct GptConfig {
    std::int64_t vocabSize = 261;
    std::int64_t dModel = 128;
    std::int64_t layers = 4;
    std::int64_t heads = 4;
    std::int64_t context = 256;  // longest sequence (positions learned up to here)

    std::int64_t headDim() const { return dModel / heads; }
    // Weights, embeddings included once (they are tied to the output layer).
    std::int64_t parameterCount() const;
    // Forward + backward matmul FLOPs per trained token at sequence length `t` (the 6N + attention
    // estimate of the nanoGPT/PaLM appendix), for utilisation figures.
    double trainingFlopsPerToken(std::int64_t t) const;

    bool operator==(const GptConfig &) const = default;
};

nlohmann::json toJson(const GptConfig &config);
// Throws std::invalid_argument naming the key when a value is missing or out of range.
GptConfig gptConfigFromJson(const nlohmann::json &json);

}  // namespace inoculab::model
