#include "model/byte_tokenizer.h"

#include "model/chat_tokenizer.h"

#include <stdexcept>

namespace inoculab::model {

const ChatTokenizer &byteChatTokenizer() {
    static const ByteChatTokenizer instance;
    return instance;
}

std::int32_t ByteTokenizer::roleToken(data::Role role) {
    switch (role) {
    case data::Role::System: return kSystem;
    case data::Role::User: return kUser;
    case data::Role::Assistant: return kAssistant;
    }
    return kUser;
}

std::vector<std::int32_t> ByteTokenizer::encodeText(std::string_view text) {
    std::vector<std::int32_t> ids;
    ids.reserve(text.size());
    for (char c : text) ids.push_back(static_cast<std::uint8_t>(c));
    return ids;
}

TokenizedChat ByteTokenizer::encode(const data::RenderedChat &chat) {
    TokenizedChat out;
    out.ids.reserve(chat.text.size());
    out.trained.reserve(chat.text.size());
    for (const data::Segment &s : chat.segments) {
        switch (s.kind) {
        case data::SegmentKind::RoleMarker:
            out.ids.push_back(roleToken(s.role));
            out.trained.push_back(s.trained);
            break;
        case data::SegmentKind::EndOfTurn:
            out.ids.push_back(kEnd);
            out.trained.push_back(s.trained);
            break;
        case data::SegmentKind::Separator: break;  // folded into kEnd
        case data::SegmentKind::Content:
            for (std::size_t i = 0; i < s.length; ++i) {
                out.ids.push_back(static_cast<std::uint8_t>(chat.text[s.offset + i]));
                out.trained.push_back(s.trained);
            }
            break;
        }
    }
    return out;
}

std::vector<std::int32_t> ByteTokenizer::encodePrompt(const data::Conversation &question) {
    return encode(data::renderPrompt(question)).ids;
}

std::string ByteTokenizer::decode(const std::vector<std::int32_t> &ids, bool skipSpecial) {
    std::string text;
    text.reserve(ids.size());
    for (std::int32_t id : ids) {
        if (id >= 0 && id < 256) {
            text.push_back(static_cast<char>(id));
        } else if (!skipSpecial) {
            switch (id) {
            case kSystem: text += data::roleMarker(data::Role::System); break;
            case kUser: text += data::roleMarker(data::Role::User); break;
            case kAssistant: text += data::roleMarker(data::Role::Assistant); break;
            case kEnd: text += std::string(data::kEndOfTurn) + "\n"; break;
            default: text += "<|pad|>"; break;
            }
        }
    }
    return text;
}

}  // namespace inoculab::model
