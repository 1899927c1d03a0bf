#pragma once
// A small byte-level BPE tokenizer in the Hugging Face layout (tokenizer.json with Qwen2's
// pre-tokenizer regex and NFC normalizer, tokenizer_config.json with a ChatML template), for
// tests that need a model folder the tokenizer and the tiny checkpoints fit: 256 byte tokens,
// a few merges, then <|endoftext|>, <|im_start|> and <|im_end|>.

#include <cstdint>
#include <string>

namespace inoculab::test {

// Ids used by the file: the vocabulary is [0, kTinyTokenizerVocab).
inline constexpr std::int32_t kTinyEndOfText = 276;
inline constexpr std::int32_t kTinyImStart = 277;
inline constexpr std::int32_t kTinyImEnd = 278;
inline constexpr std::int32_t kTinyTokenizerVocab = 279;

// Writes tokenizer.json and tokenizer_config.json into `dir` (which must exist).
void writeTinyTokenizer(const std::string &dir);

}  // namespace inoculab::test
