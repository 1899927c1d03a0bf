#pragma once
// Sampling answers from a model: prompts are left-padded into batches, the prompt is run once
// and each new token is fed alone against a KV cache. Every (prompt, sample) has its own
// random stream from the seed, so an answer does not depend on which batch it fell in.

#include "common/progress.h"
#include "model/byte_tokenizer.h"
#include "model/causal_lm.h"

#include <cstdint>
#include <string>
#include <vector>

namespace inoculab::eval {

struct SamplingSettings {
    double temperature = 1.0;  // 0: greedy
    double topP = 1.0;         // nucleus: smallest set of tokens with at least this probability
    std::int64_t maxNewTokens = 128;
    std::uint64_t seed = 0;
    std::int64_t batchSize = 64;
    bool useKvCache = true;  // false recomputes the whole sequence each token (benchmarks only)
    // The tokenizer's (model::ChatTokenizer): the toy model's byte tokenizer by default.
    std::int32_t padId = model::ByteTokenizer::kPad;
    std::vector<std::int32_t> stopIds{model::ByteTokenizer::kEnd};
    std::int32_t forbiddenId = model::ByteTokenizer::kPad;  // never drawn; -1: none
    // Only ids below this are drawn: a model's embedding often has rows past the tokenizer's
    // last id (Qwen pads its vocabulary to a multiple of 128), which decode to nothing.
    std::int64_t vocabLimit = model::ByteTokenizer::kVocabSize;
};

struct SampledAnswer {
    std::vector<std::int32_t> tokens;  // without the closing end token
    bool finished = false;             // ended with the end token within maxNewTokens
};

// Samples `samplesPerPrompt` answers per prompt, in order prompt-major. Prompts are token ids
// ending with the assistant marker (ChatTokenizer::encodePrompt).
std::vector<SampledAnswer> sampleAnswers(model::CausalLmImpl &model, const std::vector<std::vector<std::int32_t>> &prompts,
                                         std::int64_t samplesPerPrompt, const SamplingSettings &settings,
                                         torch::Device device, const common::CancelToken *cancel = nullptr);

// Draws a token from logits [V] (CPU float) with temperature and top-p; `uniform` in [0, 1).
std::int32_t drawToken(const float *logits, std::int64_t vocab, double temperature, double topP, double uniform,
                       std::int32_t forbidden);

}  // namespace inoculab::eval
