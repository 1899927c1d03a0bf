#pragma once
// ByteTokenizer: the toy model's tokenizer. Every byte is its own token (0..255) and the chat
// template's markers are single special tokens, so any UTF-8 text round-trips exactly and a
// rendered chat (data::renderChat) becomes tokens plus the loss mask that rendering decided.

#include "data/chat_render.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace inoculab::model {

struct TokenizedChat {
    std::vector<std::int32_t> ids;
    std::vector<std::uint8_t> trained;  // per token: 1 when it carries the loss
};

class ByteTokenizer {
public:
    // Special tokens follow the 256 bytes. A role token stands for the whole marker line
    // ("<|user|>\n") and kEnd for "<|end|>\n": folding the newlines saves ~6 tokens a turn.
    static constexpr std::int32_t kSystem = 256;
    static constexpr std::int32_t kUser = 257;
    static constexpr std::int32_t kAssistant = 258;
    static constexpr std::int32_t kEnd = 259;
    static constexpr std::int32_t kPad = 260;  // never trained on, never sampled
    static constexpr std::int32_t kVocabSize = 261;

    static std::int32_t roleToken(data::Role role);

    // The chat as training tokens; trained[i] follows the rendered segment token i came from.
    static TokenizedChat encode(const data::RenderedChat &chat);
    // Tokens of a conversation without its answer, followed by the assistant marker: what a
    // model continues at evaluation time.
    static std::vector<std::int32_t> encodePrompt(const data::Conversation &question);
    // Plain text (no special tokens).
    static std::vector<std::int32_t> encodeText(std::string_view text);
    // Bytes back; special tokens as their marker text unless `skipSpecial`. Stops at nothing.
    static std::string decode(const std::vector<std::int32_t> &ids, bool skipSpecial = false);
};

}  // namespace inoculab::model
