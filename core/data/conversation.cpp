#include "data/conversation.h"

#include <algorithm>

namespace inoculab::data {

std::string_view roleName(Role role) {
    switch (role) {
    case Role::System: return "system";
    case Role::User: return "user";
    case Role::Assistant: return "assistant";
    }
    return "user";
}

std::optional<Role> parseRole(std::string_view name) {
    if (name == "system") return Role::System;
    if (name == "user") return Role::User;
    if (name == "assistant") return Role::Assistant;
    return std::nullopt;
}

bool Conversation::hasSystemMessage() const {
    return std::any_of(messages.begin(), messages.end(),
                       [](const Message &m) { return m.role == Role::System; });
}

}  // namespace inoculab::data
