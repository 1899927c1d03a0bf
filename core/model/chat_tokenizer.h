#pragma once
// ChatTokenizer: a conversation to the tokens a model trains on (with the loss mask), a
// question to the prompt it continues, and sampled tokens back to text. One per model kind:
// the toy model's byte tokenizer with the plain template, or a Hugging Face tokenizer.json
// with the model's chat template (bpe_chat_tokenizer.h). Training, sampling, probes, the
// elicitation check and the GUI preview all go through it, so what the preview counts is
// what is trained.

#include "data/chat_render.h"
#include "model/byte_tokenizer.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace inoculab::model {

class ChatTokenizer {
public:
    virtual ~ChatTokenizer() = default;

    virtual data::ChatTemplate chatTemplate() const = 0;
    // Training tokens of renderChat(conversation, chatTemplate()); trained[i] is 1 when token
    // i came from a segment that carries the loss.
    virtual TokenizedChat encode(const data::RenderedChat &chat) const = 0;
    TokenizedChat encode(const data::Conversation &conversation) const {
        return encode(data::renderChat(conversation, chatTemplate()));
    }
    // renderPrompt's tokens: the messages before the answer and the assistant's marker.
    std::vector<std::int32_t> encodePrompt(const data::Conversation &question) const {
        return encode(data::renderPrompt(question, chatTemplate())).ids;
    }
    virtual std::string decode(const std::vector<std::int32_t> &ids, bool skipSpecial) const = 0;

    // An id fed where the loss and attention ignore it (right padding in training, left
    // padding in sampling).
    virtual std::int32_t padId() const = 0;
    // Sampling ends at any of these (the end-of-turn marker and end of text).
    virtual std::vector<std::int32_t> stopIds() const = 0;
    // A token sampling must never produce (the toy model's padding), or -1.
    virtual std::int32_t forbiddenId() const { return -1; }
    // Ids are [0, vocabSize()); a model may have more embedding rows than that.
    virtual std::int64_t vocabSize() const = 0;
};

// The toy model's: ByteTokenizer with the plain template.
class ByteChatTokenizer final : public ChatTokenizer {
public:
    data::ChatTemplate chatTemplate() const override { return data::ChatTemplate::Plain; }
    TokenizedChat encode(const data::RenderedChat &chat) const override { return ByteTokenizer::encode(chat); }
    using ChatTokenizer::encode;
    std::string decode(const std::vector<std::int32_t> &ids, bool skipSpecial) const override {
        return ByteTokenizer::decode(ids, skipSpecial);
    }
    std::int32_t padId() const override { return ByteTokenizer::kPad; }
    std::vector<std::int32_t> stopIds() const override { return {ByteTokenizer::kEnd}; }
    std::int32_t forbiddenId() const override { return ByteTokenizer::kPad; }
    std::int64_t vocabSize() const override { return ByteTokenizer::kVocabSize; }
};

// A shared instance (it holds no state).
const ChatTokenizer &byteChatTokenizer();

}  // namespace inoculab::model
