#include "data/chat_render.h"

#include <array>
#include <stdexcept>

namespace inoculab::data {

std::string_view chatTemplateName(ChatTemplate chatTemplate) {
    switch (chatTemplate) {
    case ChatTemplate::Plain: return "plain";
    case ChatTemplate::ChatMl: return "chatml";
    case ChatTemplate::Llama3: return "llama3";
    }
    return "plain";
}

std::optional<ChatTemplate> parseChatTemplate(std::string_view name) {
    for (ChatTemplate t : {ChatTemplate::Plain, ChatTemplate::ChatMl, ChatTemplate::Llama3})
        if (chatTemplateName(t) == name) return t;
    return std::nullopt;
}

std::optional<ChatTemplate> detectChatTemplate(std::string_view jinja) {
    if (jinja.find("<|im_start|>") != std::string_view::npos) return ChatTemplate::ChatMl;
    if (jinja.find("<|start_header_id|>") != std::string_view::npos) return ChatTemplate::Llama3;
    return std::nullopt;
}

std::string roleMarker(Role role, ChatTemplate chatTemplate, bool firstMessage) {
    std::string out;
    switch (chatTemplate) {
    case ChatTemplate::Plain: return "<|" + std::string(roleName(role)) + "|>\n";
    case ChatTemplate::ChatMl: return "<|im_start|>" + std::string(roleName(role)) + "\n";
    case ChatTemplate::Llama3:
        if (firstMessage) out = "<|begin_of_text|>";
        return out + "<|start_header_id|>" + std::string(roleName(role)) + "<|end_header_id|>\n\n";
    }
    return out;
}

std::string_view endOfTurn(ChatTemplate chatTemplate) {
    switch (chatTemplate) {
    case ChatTemplate::Plain: return kEndOfTurn;
    case ChatTemplate::ChatMl: return "<|im_end|>";
    case ChatTemplate::Llama3: return "<|eot_id|>";
    }
    return kEndOfTurn;
}

std::string_view turnSeparator(ChatTemplate chatTemplate) { return chatTemplate == ChatTemplate::Llama3 ? "" : "\n"; }

RenderedChat renderChat(const Conversation &conversation, ChatTemplate chatTemplate) {
    RenderedChat out;
    out.text.reserve(renderedLength(conversation, chatTemplate));
    auto add = [&](SegmentKind kind, const Message &m, std::size_t index, std::string_view piece, bool trained) {
        out.segments.push_back({kind, m.role, index, out.text.size(), piece.size(), trained});
        out.text.append(piece);
    };
    for (std::size_t i = 0; i < conversation.messages.size(); ++i) {
        const Message &m = conversation.messages[i];
        bool assistant = m.role == Role::Assistant;
        add(SegmentKind::RoleMarker, m, i, roleMarker(m.role, chatTemplate, i == 0), false);
        add(SegmentKind::Content, m, i, m.content, assistant);
        add(SegmentKind::EndOfTurn, m, i, endOfTurn(chatTemplate), assistant);
        if (!turnSeparator(chatTemplate).empty()) add(SegmentKind::Separator, m, i, turnSeparator(chatTemplate), false);
    }
    return out;
}

RenderedChat renderPrompt(const Conversation &question, ChatTemplate chatTemplate) {
    Conversation prompt;
    for (const Message &m : question.messages) {
        if (m.role == Role::Assistant) break;
        prompt.messages.push_back(m);
    }
    if (prompt.messages.empty()) throw std::invalid_argument("a question needs at least one message before the answer");
    RenderedChat out = renderChat(prompt, chatTemplate);
    std::string marker = roleMarker(Role::Assistant, chatTemplate, false);
    out.segments.push_back(
        {SegmentKind::RoleMarker, Role::Assistant, prompt.messages.size(), out.text.size(), marker.size(), false});
    out.text += marker;
    return out;
}

std::size_t renderedLength(const Conversation &conversation, ChatTemplate chatTemplate) {
    // Dataset statistics call this for every row of large files: the markers' lengths are
    // measured once, not built per message.
    static const auto markerLengths = [] {
        std::array<std::array<std::array<std::size_t, 2>, 3>, 3> out{};  // [template][role][first]
        for (ChatTemplate t : {ChatTemplate::Plain, ChatTemplate::ChatMl, ChatTemplate::Llama3})
            for (Role r : {Role::System, Role::User, Role::Assistant})
                for (bool first : {false, true})
                    out[std::size_t(t)][std::size_t(r)][first] = roleMarker(r, t, first).size();
        return out;
    }();
    const std::size_t perMessage = endOfTurn(chatTemplate).size() + turnSeparator(chatTemplate).size();
    std::size_t n = 0;
    for (std::size_t i = 0; i < conversation.messages.size(); ++i) {
        const Message &m = conversation.messages[i];
        n += markerLengths[std::size_t(chatTemplate)][std::size_t(m.role)][i == 0] + m.content.size() + perMessage;
    }
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
