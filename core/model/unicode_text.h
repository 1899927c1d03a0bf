#pragma once
// The Unicode the tokenizer needs beyond bytes, from ICU: NFC normalisation that remembers
// which input bytes each output byte came from (token offsets point into the text as given),
// and the character classes Hugging Face's added-token matching uses (Rust's char methods).

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace inoculab::model {

using ByteRange = std::pair<std::size_t, std::size_t>;

// The code point at `at` of valid UTF-8 and its length in bytes.
char32_t codePointAt(std::string_view utf8, std::size_t at, std::size_t &length);
// The code point that ends at `end` (exclusive) of valid UTF-8 and its length.
char32_t codePointBefore(std::string_view utf8, std::size_t end, std::size_t &length);

// Rust's char::is_whitespace (the White_Space property).
bool isWhitespace(char32_t c);
// Rust's char::is_alphanumeric (Alphabetic or a Number category) or '_': what Hugging Face's
// single_word added tokens must not touch.
bool isWordCharacter(char32_t c);

struct NormalizedText {
    std::string text;
    // Empty when `text` equals the input. Otherwise one range of input bytes per output byte:
    // the smallest run of input that normalises independently of its neighbours.
    std::vector<ByteRange> origin;
};

// NFC of valid UTF-8.
NormalizedText nfc(std::string_view utf8);

}  // namespace inoculab::model
