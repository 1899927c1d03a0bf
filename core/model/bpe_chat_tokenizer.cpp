#include "model/bpe_chat_tokenizer.h"

#include <algorithm>

namespace inoculab::model {

namespace {

std::int32_t requireToken(const BpeTokenizer &tokenizer, std::string_view token, data::ChatTemplate chatTemplate,
                          const std::string &sourceName) {
    if (std::optional<std::int32_t> id = tokenizer.tokenId(token)) return *id;
    throw TokenizerError(sourceName,
                         "added_tokens: the " + std::string(data::chatTemplateName(chatTemplate)) + " chat template needs " +
                             std::string(token) + " as a token of this vocabulary");
}

}  // namespace

BpeChatTokenizer::BpeChatTokenizer(std::shared_ptr<const BpeTokenizer> tokenizer, data::ChatTemplate chatTemplate,
                                   const std::string &sourceName)
    : m_tokenizer(std::move(tokenizer)), m_template(chatTemplate) {
    const BpeTokenizer &t = *m_tokenizer;
    if (t.eosToken) m_endOfText = t.tokenId(*t.eosToken);
    if (!m_endOfText) m_endOfText = t.tokenId("<|endoftext|>");
    switch (chatTemplate) {
    case data::ChatTemplate::ChatMl:
        requireToken(t, "<|im_start|>", chatTemplate, sourceName);
        m_stopIds.push_back(requireToken(t, "<|im_end|>", chatTemplate, sourceName));
        break;
    case data::ChatTemplate::Llama3:
        for (const char *marker : {"<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>"})
            requireToken(t, marker, chatTemplate, sourceName);
        m_stopIds.push_back(requireToken(t, "<|eot_id|>", chatTemplate, sourceName));
        break;
    case data::ChatTemplate::Plain:
        if (!m_endOfText)
            throw TokenizerError(sourceName,
                                 "eos_token: the plain chat template ends each turn with the end-of-text token, and this "
                                 "tokenizer has none (no eos_token, no <|endoftext|>)");
        break;
    }
    if (m_endOfText && std::find(m_stopIds.begin(), m_stopIds.end(), *m_endOfText) == m_stopIds.end())
        m_stopIds.push_back(*m_endOfText);
    // Padding is never attended to nor trained on; any real id serves.
    std::optional<std::int32_t> pad = t.padToken ? t.tokenId(*t.padToken) : std::nullopt;
    m_padId = pad ? *pad : m_stopIds.front();
}

std::shared_ptr<BpeChatTokenizer> BpeChatTokenizer::fromFolder(const std::string &dir,
                                                               std::optional<data::ChatTemplate> chatTemplate) {
    auto tokenizer = std::make_shared<const BpeTokenizer>(BpeTokenizer::fromFolder(dir));
    const std::string configPath = dir + "/tokenizer_config.json";
    if (!chatTemplate) {
        chatTemplate = data::detectChatTemplate(tokenizer->chatTemplate);
        if (!chatTemplate)
            throw TokenizerError(configPath,
                                 tokenizer->chatTemplate.empty()
                                     ? "chat_template: missing: set base_model.chat_template in the spec (chatml, llama3 or plain)"
                                     : "chat_template: neither ChatML nor Llama 3: set base_model.chat_template in the spec "
                                       "(chatml, llama3 or plain)");
    }
    return std::make_shared<BpeChatTokenizer>(std::move(tokenizer), *chatTemplate, dir + "/tokenizer.json");
}

TokenizedChat BpeChatTokenizer::encode(const data::RenderedChat &chat) const {
    TokenizedChat out;
    for (const data::Segment &s : chat.segments) {
        std::string_view text(chat.text.data() + s.offset, s.length);
        std::vector<std::int32_t> ids;
        if (s.kind == data::SegmentKind::EndOfTurn && m_template == data::ChatTemplate::Plain)
            ids = {*m_endOfText};
        else
            ids = m_tokenizer->encode(text, /*allowSpecial=*/s.kind != data::SegmentKind::Content);
        out.ids.insert(out.ids.end(), ids.begin(), ids.end());
        out.trained.insert(out.trained.end(), ids.size(), s.trained ? 1 : 0);
    }
    return out;
}

std::string BpeChatTokenizer::decode(const std::vector<std::int32_t> &ids, bool skipSpecial) const {
    return m_tokenizer->decode(ids, skipSpecial);
}

}  // namespace inoculab::model
