#include "tiny_tokenizer.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <stdexcept>
#include <vector>

namespace inoculab::test {

namespace {

// GPT-2's printable stand-in for each byte: printable Latin-1 bytes stand for themselves,
// the others take code points from 256 up, in byte order.
std::vector<std::string> byteSymbols() {
    std::vector<std::string> out(256);
    int next = 256;
    for (int b = 0; b < 256; ++b) {
        bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
        char32_t cp = printable ? static_cast<char32_t>(b) : static_cast<char32_t>(next++);
        std::string utf8;
        if (cp < 0x80) {
            utf8 += static_cast<char>(cp);
        } else {
            utf8 += static_cast<char>(0xC0 | (cp >> 6));
            utf8 += static_cast<char>(0x80 | (cp & 0x3F));
        }
        out[b] = utf8;
    }
    return out;
}

void writeFile(const std::string &path, const std::string &text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + path);
}

}  // namespace

void writeTinyTokenizer(const std::string &dir) {
    std::vector<std::string> symbols = byteSymbols();
    nlohmann::json vocab = nlohmann::json::object();
    // Ids follow byte order, so token b is byte b.
    for (int b = 0; b < 256; ++b) vocab[symbols[b]] = b;
    const std::string space = symbols[' '];  // "Ġ"
    // Merges in rank order; each result is the next id. Common English and Spanish pieces.
    const std::vector<std::pair<std::string, std::string>> merges = {
        {space, "t"}, {"h", "e"}, {space, "a"}, {"i", "n"}, {"e", "r"}, {"o", "n"}, {"e", "s"},
        {"a", "n"},   {"o", "r"}, {space + "t", "he"}, {space, "s"}, {space, "w"}, {"e", "n"}, {"a", "r"},
        {space, "e"}, {"l", "a"}, {space, "d"}, {"o", "s"}, {space, "c"}, {"a", "s"}};
    nlohmann::json mergeList = nlohmann::json::array();
    std::int32_t id = 256;
    for (const auto &[a, b] : merges) {
        vocab[a + b] = id++;
        mergeList.push_back(a + " " + b);
    }
    if (id != kTinyEndOfText) throw std::logic_error("tiny tokenizer ids out of step");
    auto added = [](std::int32_t tokenId, const char *content) {
        return nlohmann::json{{"id", tokenId},          {"content", content}, {"single_word", false},
                              {"lstrip", false},        {"rstrip", false},    {"normalized", false},
                              {"special", true}};
    };
    nlohmann::json tokenizer = {
        {"version", "1.0"},
        {"truncation", nullptr},
        {"padding", nullptr},
        {"added_tokens",
         {added(kTinyEndOfText, "<|endoftext|>"), added(kTinyImStart, "<|im_start|>"), added(kTinyImEnd, "<|im_end|>")}},
        {"normalizer", {{"type", "NFC"}}},
        {"pre_tokenizer",
         {{"type", "Sequence"},
          {"pretokenizers",
           {{{"type", "Split"},
             {"pattern",
              {{"Regex", "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|"
                         "\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"}}},
             {"behavior", "Isolated"},
             {"invert", false}},
            {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", false}, {"use_regex", false}}}}}},
        {"post_processor", nullptr},
        {"decoder", {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", false}, {"use_regex", false}}},
        {"model",
         {{"type", "BPE"},
          {"dropout", nullptr},
          {"unk_token", nullptr},
          {"continuing_subword_prefix", ""},
          {"end_of_word_suffix", ""},
          {"fuse_unk", false},
          {"byte_fallback", false},
          {"ignore_merges", false},
          {"vocab", vocab},
          {"merges", mergeList}}}};
    writeFile(dir + "/tokenizer.json", tokenizer.dump(2));
    nlohmann::json config = {
        {"tokenizer_class", "Qwen2Tokenizer"},
        {"bos_token", nullptr},
        {"eos_token", "<|im_end|>"},
        {"pad_token", "<|endoftext|>"},
        {"model_max_length", 64},
        {"chat_template",
         "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + "
         "'<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"}};
    writeFile(dir + "/tokenizer_config.json", config.dump(2));
}

}  // namespace inoculab::test
