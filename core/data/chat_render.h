#pragma once
// Chat rendering: the single function that turns a Conversation into exactly the text a
// model is trained on, split into segments that say which bytes carry the loss. Previews,
// stats, tokenisation and training all call it; none keeps a copy of the layout.
//
// The built-in "plain" template, one block per message:
//   <|system|>\n{content}<|end|>\n
//   <|user|>\n{content}<|end|>\n
//   <|assistant|>\n{content}<|end|>\n
// Loss falls on assistant content and its <|end|> (so the model learns to stop).

#include "data/conversation.h"

#include <cstddef>
#include <string>
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

std::string_view roleMarker(Role role);
inline constexpr std::string_view kEndOfTurn = "<|end|>";

RenderedChat renderChat(const Conversation &conversation);
// Length of renderChat(conversation).text without building it.
std::size_t renderedLength(const Conversation &conversation);

}  // namespace inoculab::data
