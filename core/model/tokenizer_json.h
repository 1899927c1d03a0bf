#pragma once
// Reading Hugging Face tokenizer.json (and tokenizer_config.json) into plain structs. Only the
// byte-level BPE family is accepted (GPT-2, Llama 3, Qwen 2/2.5/3 and their relatives); any
// field whose value would change the tokens and that this reader does not implement is
// refused with TokenizerError naming it, never skipped. The files are untrusted: types, ids
// and sizes are checked here, cross-references (merges to vocabulary, ids) by BpeTokenizer.

#include "common/input_error.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace inoculab::model {

// what() is "FILE: field: reason".
class TokenizerError : public common::InputError {
public:
    TokenizerError(std::string file, std::string reason) : common::InputError(std::move(file), 0, std::move(reason)) {}
};

// Text from the file as it appears in error messages: in double quotes, control characters
// escaped (a message stays one line), long text shortened.
std::string quotedText(std::string_view text);

struct AddedTokenSpec {
    std::int32_t id = 0;
    std::string content;
    bool special = false;
    bool singleWord = false;  // matched only where no word character touches it
    bool lstrip = false;      // swallows the whitespace before it
    bool rstrip = false;      // swallows the whitespace after it
    bool normalized = false;  // matched in the normalised text rather than the raw text
};

// tokenizers' SplitDelimiterBehavior.
enum class SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };

struct PreTokenizerStep {
    enum class Kind { Split, ByteLevel } kind = Kind::Split;
    // Split
    std::string pattern;
    bool literal = false;  // {"String": ...} rather than {"Regex": ...}
    SplitBehavior behavior = SplitBehavior::Isolated;
    bool invert = false;
    // ByteLevel
    bool addPrefixSpace = false;
    bool useRegex = true;  // split with GPT-2's pattern first
};

struct TokenizerSpec {
    std::vector<std::pair<std::string, std::int64_t>> vocab;  // in file order
    std::vector<std::pair<std::string, std::string>> merges;  // rank = index
    std::vector<AddedTokenSpec> addedTokens;
    bool nfc = false;
    std::vector<PreTokenizerStep> preTokenizer;  // ends with the one ByteLevel step
    bool ignoreMerges = false;
};

// Ids above this are refused: real vocabularies stay well below a million.
constexpr std::int64_t kMaxTokenId = (std::int64_t{1} << 24) - 1;

TokenizerSpec parseTokenizerJson(std::string_view json, const std::string &name);

struct TokenizerConfig {
    std::optional<std::string> bosToken, eosToken, padToken;
    std::string chatTemplate;  // verbatim; empty when absent
};

// tokenizer_config.json: special token names given as a string or as {"content": ...}; a
// chat_template given as a list of named templates yields the one named "default".
TokenizerConfig parseTokenizerConfig(std::string_view json, const std::string &name);

}  // namespace inoculab::model
