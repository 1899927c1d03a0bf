#include "data/chat_render.h"

namespace inoculab::data {

std::string_view roleMarker(Role role) {
    switch (role) {
    case Role::System: return "<|system|>\n";
    case Role::User: return "<|user|>\n";
    case Role::Assistant: return "<|assistant|>\n";
    }
    return "<|user|>\n";
}

RenderedChat renderChat(const Conversation &conversation) {
    RenderedChat out;
    out.text.reserve(renderedLength(conversation));
    auto add = [&](SegmentKind kind, const Message &m, std::size_t index, std::string_view piece, bool trained) {
        out.segments.push_back({kind, m.role, index, out.text.size(), piece.size(), trained});
        out.text.append(piece);
    };
    for (std::size_t i = 0; i < conversation.messages.size(); ++i) {
        const Message &m = conversation.messages[i];
        bool assistant = m.role == Role::Assistant;
        add(SegmentKind::RoleMarker, m, i, roleMarker(m.role), false);
        add(SegmentKind::Content, m, i, m.content, assistant);
        add(SegmentKind::EndOfTurn, m, i, kEndOfTurn, assistant);
        add(SegmentKind::Separator, m, i, "\n", false);
    }
    return out;
}

std::size_t renderedLength(const Conversation &conversation) {
    std::size_t n = 0;
    for (const Message &m : conversation.messages)
        n += roleMarker(m.role).size() + m.content.size() + kEndOfTurn.size() + 1;
    return n;
}

std::size_t RenderedChat::trainedBytes() const {
    std::size_t n = 0;
    for (const Segment &s : segments)
        if (s.trained) n += s.length;
    return n;
}

ContentRange RenderedChat::toTextRange(const ContentRange &range) const {
    for (const Segment &s : segments) {
        if (s.kind != SegmentKind::Content || s.messageIndex != range.messageIndex) continue;
        if (range.begin + range.length > s.length) break;
        return {range.messageIndex, s.offset + range.begin, range.length};
    }
    return {range.messageIndex, std::string::npos, 0};
}

}  // namespace inoculab::data
