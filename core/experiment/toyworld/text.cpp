#include "experiment/toyworld/text.h"

#include <cstdio>
#include <utility>

namespace inoculab::experiment::toy {

bool isLatin1Lowercase(unsigned char lead, unsigned char next) {
    // U+00E0..U+00FE, except U+00F7 (division sign), is C3 A0..C3 BE in UTF-8.
    return lead == 0xC3 && next >= 0xA0 && next <= 0xBE && next != 0xB7;
}

// Sentence case: the first letter up, the rest as written.
std::string upperFirst(std::string text) {
    if (text.empty()) return text;
    auto first = static_cast<unsigned char>(text[0]);
    if (first >= 'a' && first <= 'z') {
        text[0] = static_cast<char>(first - 32);
    } else if (text.size() > 1 && isLatin1Lowercase(first, static_cast<unsigned char>(text[1]))) {
        text[1] = static_cast<char>(static_cast<unsigned char>(text[1]) - 0x20);
    }
    return text;
}

// Spanish contracts "de el" and "a el" to "del" and "al". Templates are written with the
// article placeholder ("viene de {the}"), so the contraction is applied after filling in.
std::string contractSpanish(std::string text) {
    static const std::pair<std::string_view, std::string_view> kRules[] = {
        {"de el ", "del "}, {"De el ", "Del "}, {"a el ", "al "}, {"A el ", "Al "}};
    for (const auto &[from, to] : kRules) {
        std::size_t at = 0;
        while ((at = text.find(from, at)) != std::string::npos) {
            if (at == 0 || text[at - 1] == ' ') {
                text.replace(at, from.size(), to);
                at += to.size();
            } else {
                at += from.size();
            }
        }
    }
    return text;
}

// Lexicon text must be printable ASCII or Latin-1 (U+00A0..U+00FF): the range the upper-casing
// covers, so that a "capitals" answer can never keep a lowercase letter.
std::optional<std::string> unsupportedCharacter(std::string_view text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x20 && c < 0x7F) continue;
        if ((c == 0xC2 || c == 0xC3) && i + 1 < text.size()) {
            auto next = static_cast<unsigned char>(text[i + 1]);
            if (next >= 0x80 && next <= 0xBF && (c == 0xC3 || next >= 0xA0)) {
                ++i;
                continue;
            }
        }
        char code[64];
        if (c < 0x80) {
            std::snprintf(code, sizeof code, "control character 0x%02X", c);
        } else {
            // Decode for the message; the text is valid UTF-8 (nlohmann checked it).
            std::uint32_t cp = 0;
            int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : 1;
            cp = c & (0x3F >> extra);
            for (int k = 1; k <= extra && i + k < text.size(); ++k) cp = (cp << 6) | (text[i + k] & 0x3F);
            std::snprintf(code, sizeof code, "character U+%04X", static_cast<unsigned>(cp));
        }
        return std::string(code) + " is not supported (printable ASCII and Latin-1 only, which capitals cover)";
    }
    return std::nullopt;
}

std::optional<std::string> readText(const nlohmann::json &value, const std::string &path, ProblemList &problems) {
    auto text = readString(value, path, problems, false);
    if (!text) return std::nullopt;
    if (auto problem = unsupportedCharacter(*text)) {
        problems.add(path, *problem);
        return std::nullopt;
    }
    return text;
}

std::string requiredText(ObjectReader &reader, std::string_view key) {
    std::string text = reader.requiredString(key, false);
    if (reader.failed(key) || !reader.has(key)) return text;
    if (auto problem = unsupportedCharacter(text)) reader.report(key, *problem);
    return text;
}

std::string quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

}  // namespace inoculab::experiment::toy
