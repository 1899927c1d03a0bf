#include "model/byte_level.h"

namespace inoculab::model {

namespace {

struct Tables {
    std::array<char32_t, 256> toChar{};
    std::array<std::int16_t, 324> toByte{};  // indexed by code point; -1: not in the alphabet

    Tables() {
        toByte.fill(-1);
        auto printable = [](int b) { return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF); };
        char32_t next = 256;
        for (int b = 0; b < 256; ++b) {
            char32_t c = printable(b) ? char32_t(b) : next++;
            toChar[std::size_t(b)] = c;
            toByte[std::size_t(c)] = std::int16_t(b);
        }
    }
};

const Tables &tables() {
    static const Tables t;
    return t;
}

// Length of the well-formed UTF-8 sequence starting at `at` (1..4), or the length of its
// maximal ill-formed subpart negated (-1..-3), per Unicode's "U+FFFD substitution of maximal
// subparts" (Table 3-7 of the standard).
int sequenceAt(std::string_view s, std::size_t at) {
    auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
    unsigned char b0 = byte(at);
    if (b0 < 0x80) return 1;
    int need;
    unsigned char lo = 0x80, hi = 0xBF;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        need = 1;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        need = 2;
        if (b0 == 0xE0) lo = 0xA0;
        if (b0 == 0xED) hi = 0x9F;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        need = 3;
        if (b0 == 0xF0) lo = 0x90;
        if (b0 == 0xF4) hi = 0x8F;
    } else {
        return -1;
    }
    for (int k = 1; k <= need; ++k) {
        if (at + std::size_t(k) >= s.size()) return -k;
        unsigned char b = byte(at + std::size_t(k));
        unsigned char l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
        if (b < l || b > h) return -k;
    }
    return need + 1;
}

}  // namespace

char32_t byteLevelChar(std::uint8_t byte) { return tables().toChar[byte]; }

std::optional<std::uint8_t> byteLevelByte(char32_t codePoint) {
    if (codePoint >= tables().toByte.size()) return std::nullopt;
    std::int16_t b = tables().toByte[codePoint];
    if (b < 0) return std::nullopt;
    return std::uint8_t(b);
}

void appendUtf8(std::string &out, char32_t c) {
    if (c < 0x80) {
        out += char(c);
    } else if (c < 0x800) {
        out += char(0xC0 | (c >> 6));
        out += char(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        out += char(0xE0 | (c >> 12));
        out += char(0x80 | ((c >> 6) & 0x3F));
        out += char(0x80 | (c & 0x3F));
    } else {
        out += char(0xF0 | (c >> 18));
        out += char(0x80 | ((c >> 12) & 0x3F));
        out += char(0x80 | ((c >> 6) & 0x3F));
        out += char(0x80 | (c & 0x3F));
    }
}

std::string toByteLevel(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size() * 2);
    for (char b : bytes) appendUtf8(out, byteLevelChar(static_cast<std::uint8_t>(b)));
    return out;
}

std::optional<std::string> fromByteLevel(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        auto b0 = static_cast<unsigned char>(text[i]);
        char32_t c;
        // The alphabet is U+0021..U+0143: one or two UTF-8 bytes.
        if (b0 < 0x80) {
            c = b0;
            i += 1;
        } else if (b0 >= 0xC2 && b0 <= 0xDF && i + 1 < text.size() &&
                   (static_cast<unsigned char>(text[i + 1]) & 0xC0) == 0x80) {
            c = char32_t(b0 & 0x1F) << 6 | char32_t(static_cast<unsigned char>(text[i + 1]) & 0x3F);
            i += 2;
        } else {
            return std::nullopt;
        }
        auto byte = byteLevelByte(c);
        if (!byte) return std::nullopt;
        out += char(*byte);
    }
    return out;
}

std::string utf8Lossy(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size());
    for (std::size_t i = 0; i < bytes.size();) {
        int n = sequenceAt(bytes, i);
        if (n > 0) {
            out.append(bytes.substr(i, std::size_t(n)));
            i += std::size_t(n);
        } else {
            out += "\xEF\xBF\xBD";
            i += std::size_t(-n);
        }
    }
    return out;
}

}  // namespace inoculab::model
