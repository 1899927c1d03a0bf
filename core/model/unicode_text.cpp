#include "model/unicode_text.h"

#include "model/byte_level.h"

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>

#include <stdexcept>

namespace inoculab::model {

namespace {

const UNormalizer2 *nfcInstance() {
    static const UNormalizer2 *instance = [] {
        UErrorCode status = U_ZERO_ERROR;
        const UNormalizer2 *n = unorm2_getNFCInstance(&status);
        if (U_FAILURE(status)) throw std::runtime_error(std::string("ICU NFC data unavailable: ") + u_errorName(status));
        return n;
    }();
    return instance;
}

std::u16string toUtf16(std::string_view utf8) {
    std::u16string out;
    out.reserve(utf8.size());
    for (std::size_t i = 0; i < utf8.size();) {
        std::size_t n = 0;
        char32_t c = codePointAt(utf8, i, n);
        i += n;
        if (c >= 0x10000) {
            c -= 0x10000;
            out += char16_t(0xD800 + (c >> 10));
            out += char16_t(0xDC00 + (c & 0x3FF));
        } else {
            out += char16_t(c);
        }
    }
    return out;
}

std::string toUtf8(const std::u16string &utf16) {
    std::string out;
    out.reserve(utf16.size() * 3);
    for (std::size_t i = 0; i < utf16.size(); ++i) {
        char32_t c = utf16[i];
        if (c >= 0xD800 && c <= 0xDBFF && i + 1 < utf16.size() && utf16[i + 1] >= 0xDC00 && utf16[i + 1] <= 0xDFFF) {
            c = 0x10000 + ((c - 0xD800) << 10) + (utf16[i + 1] - 0xDC00);
            ++i;
        }
        appendUtf8(out, c);
    }
    return out;
}

std::u16string normalize16(const std::u16string &in) {
    UErrorCode status = U_ZERO_ERROR;
    std::u16string out(in.size() + 16, u'\0');
    for (int attempt = 0; attempt < 2; ++attempt) {
        status = U_ZERO_ERROR;
        int32_t n = unorm2_normalize(nfcInstance(), reinterpret_cast<const UChar *>(in.data()), int32_t(in.size()),
                                     reinterpret_cast<UChar *>(out.data()), int32_t(out.size()), &status);
        if (status == U_BUFFER_OVERFLOW_ERROR) {
            out.assign(std::size_t(n), u'\0');
            continue;
        }
        if (U_FAILURE(status)) throw std::runtime_error(std::string("NFC normalisation failed: ") + u_errorName(status));
        out.resize(std::size_t(n));
        return out;
    }
    throw std::runtime_error("NFC normalisation failed: buffer size");
}

}  // namespace

char32_t codePointAt(std::string_view s, std::size_t at, std::size_t &length) {
    auto b = [&](std::size_t k) { return char32_t(static_cast<unsigned char>(s[at + k])); };
    char32_t b0 = b(0);
    if (b0 < 0x80) {
        length = 1;
        return b0;
    }
    if (b0 < 0xE0) {
        length = 2;
        return (b0 & 0x1F) << 6 | (b(1) & 0x3F);
    }
    if (b0 < 0xF0) {
        length = 3;
        return (b0 & 0x0F) << 12 | (b(1) & 0x3F) << 6 | (b(2) & 0x3F);
    }
    length = 4;
    return (b0 & 0x07) << 18 | (b(1) & 0x3F) << 12 | (b(2) & 0x3F) << 6 | (b(3) & 0x3F);
}

char32_t codePointBefore(std::string_view s, std::size_t end, std::size_t &length) {
    std::size_t start = end - 1;
    while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
    return codePointAt(s, start, length);
}

bool isWhitespace(char32_t c) { return u_isUWhiteSpace(UChar32(c)); }

bool isWordCharacter(char32_t c) {
    if (c == U'_') return true;
    if (u_hasBinaryProperty(UChar32(c), UCHAR_ALPHABETIC)) return true;
    auto type = u_charType(UChar32(c));
    return type == U_DECIMAL_DIGIT_NUMBER || type == U_LETTER_NUMBER || type == U_OTHER_NUMBER;
}

NormalizedText nfc(std::string_view utf8) {
    bool ascii = true;
    for (char c : utf8)
        if (static_cast<unsigned char>(c) >= 0x80) {
            ascii = false;
            break;
        }
    if (ascii) return {std::string(utf8), {}};
    std::u16string whole = toUtf16(utf8);
    UErrorCode status = U_ZERO_ERROR;
    if (unorm2_isNormalized(nfcInstance(), reinterpret_cast<const UChar *>(whole.data()), int32_t(whole.size()),
                            &status) &&
        U_SUCCESS(status))
        return {std::string(utf8), {}};

    // Normalise run by run, cutting before every character that normalisation cannot join to
    // what precedes it; each run's output bytes come from the whole run.
    NormalizedText out;
    std::size_t runStart = 0;
    auto flush = [&](std::size_t runEnd) {
        if (runEnd == runStart) return;
        std::string piece = toUtf8(normalize16(toUtf16(utf8.substr(runStart, runEnd - runStart))));
        out.text += piece;
        out.origin.insert(out.origin.end(), piece.size(), ByteRange{runStart, runEnd});
        runStart = runEnd;
    };
    for (std::size_t i = 0; i < utf8.size();) {
        std::size_t n = 0;
        char32_t c = codePointAt(utf8, i, n);
        if (i > 0 && unorm2_hasBoundaryBefore(nfcInstance(), UChar32(c))) flush(i);
        i += n;
    }
    flush(utf8.size());
    if (out.text == utf8) out.origin.clear();
    return out;
}

}  // namespace inoculab::model
