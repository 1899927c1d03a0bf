#pragma once
// Chat rendering: the single function that turns a Conversation into exactly the text a
// model is trained on, split into segments that say which bytes carry the loss. Previews,
// stats, tokenisation and training all call it; none keeps a copy of the layout.
//
// Templates (ChatTemplate), one block per message; {role} is system, user or assistant:
//   plain   <|{role}|>\n{content}<|end|>\n                the toy model's; any tokenizer
//   chatml  <|im_start|>{role}\n{content}<|im_end|>\n     Qwen and other ChatML models
//   llama3  <|begin_of_text|> once, then
//           <|start_header_id|>{role}<|end_header_id|>\n\n{content}<|eot_id|>
// Loss falls on assistant content and its end-of-turn marker (so the model learns to stop).
// The Hugging Face Jinja templates add more in places (Qwen2.5's default system prompt when
// there is none, Llama 3.1's knowledge-date lines); these renderings deliberately do not: an
// inoculation experiment must control exactly which system prompt the model sees.

#include "data/conversation.h"

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace inoculab::data {

enum class SegmentKind { RoleMarker, Content, EndOfTurn, Separator };

struct Segment {
    SegmentKind kind;
    Role role;
    std::size_t messageIndex;
    std::size_t offset;  // in RenderedChat::text
    std::size_t length;
    bool trained;        // contributes to the loss
};

// A half-open byte range [begin, begin + length) of a message's content.
struct ContentRange {
    std::size_t messageIndex = 0;
    std::size_t begin = 0;
    std::size_t length = 0;
};

struct RenderedChat {
    std::string text;
    std::vector<Segment> segments;

    std::size_t trainedBytes() const;
    // Where a range of a message's content lies in text; npos offset when out of range.
    ContentRange toTextRange(const ContentRange &contentRange) const;
};

enum class ChatTemplate { Plain, ChatMl, Llama3 };

std::string_view chatTemplateName(ChatTemplate chatTemplate);  // "plain", "chatml", "llama3"
std::optional<ChatTemplate> parseChatTemplate(std::string_view name);
// Recognises a Hugging Face tokenizer_config.json "chat_template" (Jinja source) by the
// markers it writes; nullopt when it is neither ChatML nor Llama 3.
std::optional<ChatTemplate> detectChatTemplate(std::string_view jinjaSource);

// The text before a message's content ("<|user|>\n"), including the llama3 template's
// <|begin_of_text|> on the first message.
std::string roleMarker(Role role, ChatTemplate chatTemplate = ChatTemplate::Plain, bool firstMessage = false);
// The end-of-turn marker, and what follows it before the next message.
std::string_view endOfTurn(ChatTemplate chatTemplate = ChatTemplate::Plain);
std::string_view turnSeparator(ChatTemplate chatTemplate = ChatTemplate::Plain);
inline constexpr std::string_view kEndOfTurn = "<|end|>";

RenderedChat renderChat(const Conversation &conversation, ChatTemplate chatTemplate = ChatTemplate::Plain);
// Length of renderChat(conversation).text without building it.
std::size_t renderedLength(const Conversation &conversation, ChatTemplate chatTemplate = ChatTemplate::Plain);
// What a model continues at evaluation time: the messages before the first answer, then the
// assistant's marker. Throws std::invalid_argument when no message precedes the answer.
RenderedChat renderPrompt(const Conversation &question, ChatTemplate chatTemplate = ChatTemplate::Plain);

}  // namespace inoculab::data
