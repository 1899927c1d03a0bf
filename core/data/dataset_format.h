#pragma once
// Dataset formats we read: OpenAI chat messages, Alpaca and ShareGPT JSONL; detection and
// writing. Every format is read into a Conversation; we always write OpenAI messages.

#include "data/conversation.h"

#include <optional>
#include <string>
#include <string_view>

namespace inoculab::data {

enum class DatasetFormat { Messages, Alpaca, ShareGPT };

std::string_view formatName(DatasetFormat format);
// Accepts "messages", "alpaca", "sharegpt"; "auto" is handled by callers.
std::optional<DatasetFormat> parseFormatName(std::string_view name);

// Which format a parsed top-level object looks like, judged by its keys alone.
std::optional<DatasetFormat> detectFormatFromKeys(bool hasMessages, bool hasConversations,
                                                  bool hasInstructionAndOutput);

// One line of OpenAI chat JSONL (no trailing newline). Extra keys are written back in order.
std::string toMessagesJsonLine(const Conversation &conversation);

}  // namespace inoculab::data
