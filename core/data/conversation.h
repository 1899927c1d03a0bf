#pragma once
// Conversation: the one in-memory shape every dataset format is read into and written from.

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace inoculab::data {

enum class Role { System, User, Assistant };

std::string_view roleName(Role role);
std::optional<Role> parseRole(std::string_view name);

// Keys we do not interpret are kept, in their original order, and written back unchanged.
using ExtraKeys = nlohmann::ordered_json;

struct Message {
    Role role = Role::User;
    std::string content;
    ExtraKeys extra = ExtraKeys::object();

    bool operator==(const Message &) const = default;
};

struct Conversation {
    std::vector<Message> messages;
    ExtraKeys extra = ExtraKeys::object();

    bool hasSystemMessage() const;
    bool operator==(const Conversation &) const = default;
};

}  // namespace inoculab::data
