#pragma once
// nlohmann::json's parse messages without their "[json.exception.parse_error.101] parse
// error at line L, column C: " prefix, for readers that report their own position.

#include <string_view>

namespace inoculab::common {

inline std::string_view withoutJsonErrorPrefix(std::string_view message) {
    if (!message.empty() && message.front() == '[') {
        std::size_t close = message.find("] ");
        if (close != std::string_view::npos) message.remove_prefix(close + 2);
    }
    if (message.substr(0, 11) == "parse error") {
        std::size_t colon = message.find(": ");
        if (colon != std::string_view::npos) message.remove_prefix(colon + 2);
    }
    return message;
}

}  // namespace inoculab::common
