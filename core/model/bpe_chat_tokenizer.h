#pragma once
// BpeChatTokenizer: a Hugging Face tokenizer.json with a chat template, as a ChatTokenizer.
// Each rendered segment is tokenized on its own: markers with their special tokens
// recognised, message content as plain text (a user who writes "<|im_end|>" gets those
// characters, not the control token), and the loss mask follows the segments exactly.
//
// With the plain template (GPT-2 and other models without a chat format) the end-of-turn
// marker is the tokenizer's end-of-text token, as the byte tokenizer folds "<|end|>" into one
// token: the model learns to stop, and sampling stops there.

#include "model/bpe_tokenizer.h"
#include "model/chat_tokenizer.h"

#include <memory>
#include <optional>
#include <string>

namespace inoculab::model {

class BpeChatTokenizer final : public ChatTokenizer {
public:
    // Throws TokenizerError naming `sourceName` when the template's markers are not single
    // tokens of this vocabulary, or the plain template has no end-of-text token.
    BpeChatTokenizer(std::shared_ptr<const BpeTokenizer> tokenizer, data::ChatTemplate chatTemplate,
                     const std::string &sourceName);
    // The folder's tokenizer.json and tokenizer_config.json; the template is `chatTemplate` or,
    // when nullopt, the one recognised in tokenizer_config.json's chat_template (an error
    // naming that field when it is neither ChatML nor Llama 3).
    static std::shared_ptr<BpeChatTokenizer> fromFolder(const std::string &dir,
                                                        std::optional<data::ChatTemplate> chatTemplate);

    data::ChatTemplate chatTemplate() const override { return m_template; }
    TokenizedChat encode(const data::RenderedChat &chat) const override;
    using ChatTokenizer::encode;
    std::string decode(const std::vector<std::int32_t> &ids, bool skipSpecial) const override;
    std::int32_t padId() const override { return m_padId; }
    std::vector<std::int32_t> stopIds() const override { return m_stopIds; }
    std::int64_t vocabSize() const override { return m_tokenizer->vocabSize(); }

    const BpeTokenizer &tokenizer() const { return *m_tokenizer; }

private:
    std::shared_ptr<const BpeTokenizer> m_tokenizer;
    data::ChatTemplate m_template;
    std::optional<std::int32_t> m_endOfText;  // eos token of tokenizer_config.json, else <|endoftext|>
    std::int32_t m_padId = 0;
    std::vector<std::int32_t> m_stopIds;
};

}  // namespace inoculab::model
