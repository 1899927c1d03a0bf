#pragma once
// BpeTokenizer: Hugging Face's byte-level BPE (tokenizers' BPE model with the ByteLevel
// pre-tokenizer and decoder), read from a tokenizer.json, so that the workbench counts and
// shows the tokens real models (GPT-2, Llama 3, Qwen 2/2.5/3) see without Python. The output
// must equal the tokenizers library's id for id: tests compare it with independent
// encoders on a varied corpus (tests/reference/tokenizers, docs/tokenizers.md).
//
// Encoding follows tokenizers' order: added tokens are cut out of the raw text (those with
// normalized: false), the rest is normalised (NFC when the file says so) and searched for the
// normalized: true added tokens, then pre-tokenised (Split patterns, ByteLevel), and each
// pre-token is merged by rank. encode() never adds BOS/EOS or applies the post_processor;
// truncation and padding settings are ignored.

#include "model/tokenizer_json.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace inoculab::model {

class BpeTokenizer {
public:
    // Throw TokenizerError naming the file and the field at fault.
    static BpeTokenizer fromFile(const std::string &tokenizerJsonPath);
    static BpeTokenizer fromJson(std::string_view json, const std::string &nameForErrors);
    // A model folder: tokenizer.json, plus tokenizer_config.json when present for the
    // bos/eos/pad token names and the chat template.
    static BpeTokenizer fromFolder(const std::string &dir);

    // One token and the byte range of the input it came from. An added token covers its text
    // (with the whitespace lstrip/rstrip swallowed); a token holding part of a multi-byte
    // character covers the bytes it holds; a token of text NFC changed covers the smallest run
    // of input that normalised to it; the space add_prefix_space inserts covers nothing.
    struct Piece {
        std::int32_t id = 0;
        std::size_t begin = 0, end = 0;
        bool operator==(const Piece &) const = default;
    };

    // `utf8` must be valid UTF-8 (std::invalid_argument otherwise, naming the byte).
    // allowSpecial: added tokens marked special are recognised in the text (tokenizers'
    // default); false: they are read as plain text, as tokenizers' split_special_tokens does.
    // Added tokens not marked special are recognised either way. May throw TokenizerError
    // when a Split pattern of the file exhausts its match limit on this text.
    std::vector<Piece> encodeWithOffsets(std::string_view utf8, bool allowSpecial = true) const;
    std::vector<std::int32_t> encode(std::string_view utf8, bool allowSpecial = true) const;
    // The text of the tokens (ByteLevel decoder); a sequence that splits a character decodes
    // with U+FFFD in its place, as tokenizers does. std::out_of_range for an unknown id.
    std::string decode(const std::vector<std::int32_t> &ids, bool skipSpecial = false) const;

    // Added token or vocabulary entry, by its text as the file spells it ("Ġthe").
    std::optional<std::int32_t> tokenId(std::string_view token) const;
    // The token as the file spells it; std::out_of_range for an unknown id.
    std::string tokenText(std::int32_t id) const;
    // Max id + 1 over vocabulary and added tokens (ids may leave holes).
    std::int64_t vocabSize() const;
    bool isSpecial(std::int32_t id) const;
    const std::vector<AddedTokenSpec> &addedTokens() const;

    // From tokenizer_config.json (fromFolder only).
    std::optional<std::string> bosToken, eosToken, padToken;
    std::string chatTemplate;

    struct State;

private:
    explicit BpeTokenizer(std::shared_ptr<const State> state) : m_state(std::move(state)) {}
    std::shared_ptr<const State> m_state;  // immutable after loading; copies share it
};

}  // namespace inoculab::model
