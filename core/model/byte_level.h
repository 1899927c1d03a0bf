#pragma once
// GPT-2's byte-level alphabet (openai/gpt-2 encoder.py bytes_to_unicode): every byte stands for
// one printable code point, so a byte-level BPE vocabulary can spell any byte sequence with
// strings that contain no spaces or control characters. Printable Latin-1 bytes stand for
// themselves; the other 68 bytes take U+0100.. in byte order. tokenizer.json files of GPT-2,
// Llama 3 and Qwen store their vocabularies in this alphabet.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace inoculab::model {

// The code point that stands for `byte`.
char32_t byteLevelChar(std::uint8_t byte);
// The byte a code point stands for, nullopt for code points outside the alphabet.
std::optional<std::uint8_t> byteLevelByte(char32_t codePoint);

// `bytes` spelled in the alphabet (UTF-8 of the stand-in code points).
std::string toByteLevel(std::string_view bytes);
// The bytes a byte-level string spells, or nullopt when it is not valid UTF-8 or holds a code
// point outside the alphabet (the ByteLevel decoder then keeps such a token's text as is).
std::optional<std::string> fromByteLevel(std::string_view text);

// UTF-8 of one code point (no checks: callers pass scalar values).
void appendUtf8(std::string &out, char32_t codePoint);

// Bytes as UTF-8 text, each ill-formed part replaced by U+FFFD the way Rust's
// String::from_utf8_lossy and WHATWG's TextDecoder do (one replacement per maximal subpart),
// which is what Hugging Face's decode returns for token sequences that split a character.
std::string utf8Lossy(std::string_view bytes);

}  // namespace inoculab::model
