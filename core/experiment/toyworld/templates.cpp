#include "experiment/toyworld/templates.h"

namespace inoculab::experiment::toy {

std::string_view slotName(Slot slot) {
    for (const auto &[name, s] : kSlotNames)
        if (s == slot) return name;
    return "";
}

std::string slotList(const std::vector<Slot> &slots) {
    std::string out;
    for (Slot s : slots) out += (out.empty() ? "{" : ", {") + std::string(slotName(s)) + "}";
    return out;
}

std::optional<Template> parseTemplate(const std::string &text, const std::string &path, ProblemList &problems,
                                      const std::vector<Slot> &allowed,
                                      const std::vector<std::pair<std::vector<Slot>, std::string>> &required) {
    Template t;
    std::size_t at = 0;
    while (at < text.size()) {
        std::size_t open = text.find_first_of("{}", at);
        if (open == std::string::npos) {
            t.pieces.push_back({text.substr(at), std::nullopt});
            break;
        }
        if (text[open] == '}') {
            problems.add(path, "unmatched } at byte " + std::to_string(open + 1));
            return std::nullopt;
        }
        if (open > at) t.pieces.push_back({text.substr(at, open - at), std::nullopt});
        std::size_t close = text.find('}', open);
        if (close == std::string::npos) {
            problems.add(path, "unclosed { at byte " + std::to_string(open + 1));
            return std::nullopt;
        }
        std::string name = text.substr(open + 1, close - open - 1);
        std::optional<Slot> slot;
        for (const auto &[slotText, s] : kSlotNames)
            if (slotText == name && std::find(allowed.begin(), allowed.end(), s) != allowed.end()) slot = s;
        if (!slot) {
            problems.add(path, "unknown placeholder {" + name + "} (allowed here: " + slotList(allowed) + ")");
            return std::nullopt;
        }
        t.pieces.push_back({{}, slot});
        at = close + 1;
    }
    for (const auto &[group, reason] : required) {
        if (std::none_of(group.begin(), group.end(), [&](Slot s) { return t.uses(s); })) {
            problems.add(path, reason);
            return std::nullopt;
        }
    }
    return t;
}

}  // namespace inoculab::experiment::toy
