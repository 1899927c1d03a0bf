#include "data/inoculation.h"

#include <algorithm>
#include <cmath>

namespace inoculab::data {

namespace {

std::uint64_t splitmix64(std::uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

InoculationResult applySystem(Conversation &c, const InoculationOptions &o) {
    auto existing = std::find_if(c.messages.begin(), c.messages.end(),
                                 [](const Message &m) { return m.role == Role::System; });
    if (existing == c.messages.end()) {
        c.messages.insert(c.messages.begin(), Message{Role::System, o.prompt, ExtraKeys::object()});
        return {InoculationOutcome::Applied, {{0, 0, o.prompt.size()}}};
    }
    std::size_t index = static_cast<std::size_t>(existing - c.messages.begin());
    switch (o.onExistingSystem) {
    case OnExistingSystem::Error: return {InoculationOutcome::RefusedExistingSystem, {}};
    case OnExistingSystem::Skip: return {InoculationOutcome::SkippedExistingSystem, {}};
    case OnExistingSystem::Replace:
        existing->content = o.prompt;
        return {InoculationOutcome::Applied, {{index, 0, o.prompt.size()}}};
    case OnExistingSystem::Prepend:
        existing->content = o.prompt + o.separator + existing->content;
        return {InoculationOutcome::Applied, {{index, 0, o.prompt.size() + o.separator.size()}}};
    }
    return {InoculationOutcome::RefusedExistingSystem, {}};
}

InoculationResult applyUser(Conversation &c, const InoculationOptions &o) {
    InoculationResult result{InoculationOutcome::Applied, {}};
    bool prefix = o.placement == Placement::UserPrefix;
    for (std::size_t i = 0; i < c.messages.size(); ++i) {
        Message &m = c.messages[i];
        if (m.role != Role::User) continue;
        std::size_t added = o.prompt.size() + o.separator.size();
        if (prefix) {
            m.content = o.prompt + o.separator + m.content;
            result.inserted.push_back({i, 0, added});
        } else {
            m.content += o.separator + o.prompt;
            result.inserted.push_back({i, m.content.size() - added, added});
        }
        if (o.turns == TurnScope::First) break;
    }
    return result;
}

}  // namespace

std::string_view placementName(Placement placement) {
    switch (placement) {
    case Placement::System: return "system";
    case Placement::UserPrefix: return "user-prefix";
    case Placement::UserSuffix: return "user-suffix";
    }
    return "system";
}

std::optional<Placement> parsePlacement(std::string_view name) {
    if (name == "system") return Placement::System;
    if (name == "user-prefix") return Placement::UserPrefix;
    if (name == "user-suffix") return Placement::UserSuffix;
    return std::nullopt;
}

std::string_view onExistingSystemName(OnExistingSystem policy) {
    switch (policy) {
    case OnExistingSystem::Error: return "error";
    case OnExistingSystem::Replace: return "replace";
    case OnExistingSystem::Prepend: return "prepend";
    case OnExistingSystem::Skip: return "skip";
    }
    return "error";
}

std::optional<OnExistingSystem> parseOnExistingSystem(std::string_view name) {
    if (name == "error") return OnExistingSystem::Error;
    if (name == "replace") return OnExistingSystem::Replace;
    if (name == "prepend") return OnExistingSystem::Prepend;
    if (name == "skip") return OnExistingSystem::Skip;
    return std::nullopt;
}

std::optional<TurnScope> parseTurnScope(std::string_view name) {
    if (name == "first") return TurnScope::First;
    if (name == "all") return TurnScope::All;
    return std::nullopt;
}

std::optional<std::string> checkInoculationOptions(const InoculationOptions &options) {
    if (options.prompt.find_first_not_of(" \t\r\n") == std::string::npos) return "prompt: must not be empty";
    if (!std::isfinite(options.fraction) || options.fraction < 0.0 || options.fraction > 1.0)
        return "fraction: must be a number in [0, 1]";
    return std::nullopt;
}

bool isRowSelected(std::uint64_t seed, std::uint64_t rowIndex, double fraction) {
    if (fraction >= 1.0) return true;
    // 53 random bits -> a uniform double in [0, 1).
    std::uint64_t bits = splitmix64(seed ^ splitmix64(rowIndex)) >> 11;
    return static_cast<double>(bits) * 0x1.0p-53 < fraction;
}

InoculationResult inoculate(Conversation &conversation, std::uint64_t rowIndex, const InoculationOptions &options) {
    if (!isRowSelected(options.seed, rowIndex, options.fraction)) return {InoculationOutcome::NotSelected, {}};
    if (options.placement == Placement::System) return applySystem(conversation, options);
    bool hasUserTurn = std::any_of(conversation.messages.begin(), conversation.messages.end(),
                                   [](const Message &m) { return m.role == Role::User; });
    if (!hasUserTurn) return {InoculationOutcome::NoUserTurn, {}};
    return applyUser(conversation, options);
}

std::string outcomeProblem(InoculationOutcome outcome) {
    switch (outcome) {
    case InoculationOutcome::RefusedExistingSystem:
        return "row already has a system message (choose --on-existing-system replace, prepend or skip)";
    case InoculationOutcome::NoUserTurn: return "row has no user turn to attach the prompt to";
    default: return {};
    }
}

}  // namespace inoculab::data
