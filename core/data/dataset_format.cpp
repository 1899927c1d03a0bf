#include "data/dataset_format.h"

namespace inoculab::data {

std::string_view formatName(DatasetFormat format) {
    switch (format) {
    case DatasetFormat::Messages: return "messages";
    case DatasetFormat::Alpaca: return "alpaca";
    case DatasetFormat::ShareGPT: return "sharegpt";
    }
    return "messages";
}

std::optional<DatasetFormat> parseFormatName(std::string_view name) {
    if (name == "messages") return DatasetFormat::Messages;
    if (name == "alpaca") return DatasetFormat::Alpaca;
    if (name == "sharegpt") return DatasetFormat::ShareGPT;
    return std::nullopt;
}

std::optional<DatasetFormat> detectFormatFromKeys(bool hasMessages, bool hasConversations,
                                                  bool hasInstructionAndOutput) {
    if (hasMessages) return DatasetFormat::Messages;
    if (hasConversations) return DatasetFormat::ShareGPT;
    if (hasInstructionAndOutput) return DatasetFormat::Alpaca;
    return std::nullopt;
}

std::string toMessagesJsonLine(const Conversation &conversation) {
    nlohmann::ordered_json root = nlohmann::ordered_json::object();
    nlohmann::ordered_json messages = nlohmann::ordered_json::array();
    for (const Message &m : conversation.messages) {
        nlohmann::ordered_json one = nlohmann::ordered_json::object();
        one["role"] = roleName(m.role);
        one["content"] = m.content;
        for (const auto &[key, value] : m.extra.items()) one[key] = value;
        messages.push_back(std::move(one));
    }
    root["messages"] = std::move(messages);
    for (const auto &[key, value] : conversation.extra.items()) root[key] = value;
    // Ensure-ascii off: keep UTF-8 as it came; strict on invalid bytes (they cannot occur,
    // every string came through a validating parser).
    return root.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::strict);
}

}  // namespace inoculab::data
