#include "model/tokenizer_json.h"

#include "data/record_parser.h"  // firstInvalidUtf8

#include <nlohmann/json.hpp>

#include <algorithm>

namespace inoculab::model {

std::string quotedText(std::string_view text) {
    std::size_t keep = std::min<std::size_t>(text.size(), 80);
    while (keep < text.size() && keep > 0 && (static_cast<unsigned char>(text[keep]) & 0xC0) == 0x80) --keep;
    std::string out = "\"";
    for (char c : text.substr(0, keep)) {
        auto b = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (b < 0x20 || b == 0x7F) {
            constexpr char kHex[] = "0123456789abcdef";
            out += "\\u00";
            out += kHex[b >> 4];
            out += kHex[b & 15];
        } else {
            out += c;
        }
    }
    return out + (keep < text.size() ? "...\"" : "\"");
}

namespace {

using Json = nlohmann::json;

class Reader {
public:
    explicit Reader(const std::string &name) : m_name(name) {}

    [[noreturn]] void fail(const std::string &field, const std::string &reason) const {
        throw TokenizerError(m_name, field + ": " + reason);
    }

    const Json *member(const Json &object, const std::string &key) const {
        auto it = object.find(key);
        return it == object.end() ? nullptr : &*it;
    }

    const Json &object(const Json &value, const std::string &field) const {
        if (!value.is_object()) fail(field, "must be an object");
        return value;
    }

    const Json &required(const Json &object, const std::string &key, const std::string &field) const {
        const Json *v = member(object, key);
        if (!v) fail(field, "missing");
        return *v;
    }

    std::string string(const Json &value, const std::string &field) const {
        if (!value.is_string()) fail(field, "must be a string");
        return value.get<std::string>();
    }

    bool boolean(const Json &object, const std::string &key, const std::string &field, bool fallback) const {
        const Json *v = member(object, key);
        if (!v || v->is_null()) return fallback;
        if (!v->is_boolean()) fail(field + "." + key, "must be true or false");
        return v->get<bool>();
    }

    std::int64_t id(const Json &value, const std::string &field) const {
        if (!value.is_number_integer()) fail(field, "must be an integer id");
        std::int64_t id = value.is_number_unsigned() && value.get<std::uint64_t>() > std::uint64_t(kMaxTokenId)
                              ? kMaxTokenId + 1
                              : value.get<std::int64_t>();
        if (id < 0 || id > kMaxTokenId)
            fail(field, "id " + value.dump() + " out of range (0.." + std::to_string(kMaxTokenId) + ")");
        return id;
    }

    std::string type(const Json &value, const std::string &field) const {
        object(value, field);
        return string(required(value, "type", field + ".type"), field + ".type");
    }

private:
    const std::string &m_name;
};

bool readNfc(const Reader &r, const Json &normalizer) {
    if (normalizer.is_null()) return false;
    std::string type = r.type(normalizer, "normalizer");
    if (type == "NFC") return true;
    if (type == "Sequence") {
        const Json &list = r.required(normalizer, "normalizers", "normalizer.normalizers");
        if (!list.is_array()) r.fail("normalizer.normalizers", "must be an array");
        bool nfc = false;
        for (std::size_t i = 0; i < list.size(); ++i) {
            std::string field = "normalizer.normalizers[" + std::to_string(i) + "]";
            std::string inner = r.type(list[i], field);
            if (inner != "NFC") r.fail(field + ".type", quotedText(inner) + " is not supported (only NFC)");
            nfc = true;
        }
        return nfc;
    }
    r.fail("normalizer.type", quotedText(type) + " is not supported (only NFC, or null)");
}

SplitBehavior readBehavior(const Reader &r, const Json &value, const std::string &field) {
    std::string name = r.string(value, field);
    if (name == "Removed") return SplitBehavior::Removed;
    if (name == "Isolated") return SplitBehavior::Isolated;
    if (name == "MergedWithPrevious") return SplitBehavior::MergedWithPrevious;
    if (name == "MergedWithNext") return SplitBehavior::MergedWithNext;
    if (name == "Contiguous") return SplitBehavior::Contiguous;
    r.fail(field, "unknown behavior " + quotedText(name));
}

void readPreTokenizer(const Reader &r, const Json &value, const std::string &field, std::vector<PreTokenizerStep> &out,
                      int depth) {
    if (depth > 8) r.fail(field, "sequences nested too deeply");
    std::string type = r.type(value, field);
    if (type == "Sequence") {
        const Json &list = r.required(value, "pretokenizers", field + ".pretokenizers");
        if (!list.is_array()) r.fail(field + ".pretokenizers", "must be an array");
        for (std::size_t i = 0; i < list.size(); ++i)
            readPreTokenizer(r, list[i], field + ".pretokenizers[" + std::to_string(i) + "]", out, depth + 1);
        return;
    }
    PreTokenizerStep step;
    if (type == "Split") {
        step.kind = PreTokenizerStep::Kind::Split;
        const Json &pattern = r.object(r.required(value, "pattern", field + ".pattern"), field + ".pattern");
        if (const Json *regex = r.member(pattern, "Regex")) {
            step.pattern = r.string(*regex, field + ".pattern.Regex");
        } else if (const Json *literal = r.member(pattern, "String")) {
            step.pattern = r.string(*literal, field + ".pattern.String");
            step.literal = true;
        } else {
            r.fail(field + ".pattern", "must hold \"Regex\" or \"String\"");
        }
        step.behavior = readBehavior(r, r.required(value, "behavior", field + ".behavior"), field + ".behavior");
        step.invert = r.boolean(value, "invert", field, false);
    } else if (type == "ByteLevel") {
        step.kind = PreTokenizerStep::Kind::ByteLevel;
        step.addPrefixSpace = r.boolean(value, "add_prefix_space", field, true);
        step.useRegex = r.boolean(value, "use_regex", field, true);
    } else {
        r.fail(field + ".type", quotedText(type) + " is not supported (only Split, ByteLevel and Sequence)");
    }
    out.push_back(std::move(step));
}

void readModel(const Reader &r, const Json &model, TokenizerSpec &spec) {
    r.object(model, "model");
    if (const Json *type = r.member(model, "type")) {
        std::string name = r.string(*type, "model.type");
        if (name != "BPE") r.fail("model.type", quotedText(name) + " is not supported (only BPE)");
    }
    const Json &vocab = r.required(model, "vocab", "model.vocab");
    if (!vocab.is_object()) r.fail("model.vocab", "must be an object of token: id");
    spec.vocab.reserve(vocab.size());
    for (const auto &[token, id] : vocab.items())
        spec.vocab.emplace_back(token, r.id(id, "model.vocab[" + quotedText(token) + "]"));

    const Json &merges = r.required(model, "merges", "model.merges");
    if (!merges.is_array()) r.fail("model.merges", "must be an array");
    spec.merges.reserve(merges.size());
    for (std::size_t i = 0; i < merges.size(); ++i) {
        std::string field = "model.merges[" + std::to_string(i) + "]";
        const Json &m = merges[i];
        if (m.is_string()) {
            // "a b": exactly one space, as tokenizers requires.
            const std::string &text = m.get_ref<const std::string &>();
            std::size_t space = text.find(' ');
            if (space == std::string::npos || text.find(' ', space + 1) != std::string::npos || space == 0 ||
                space + 1 == text.size())
                r.fail(field, "must be two tokens separated by one space");
            spec.merges.emplace_back(text.substr(0, space), text.substr(space + 1));
        } else if (m.is_array()) {
            if (m.size() != 2) r.fail(field, "must be a pair of tokens");
            spec.merges.emplace_back(r.string(m[0], field + "[0]"), r.string(m[1], field + "[1]"));
        } else {
            r.fail(field, "must be \"a b\" or [\"a\", \"b\"]");
        }
    }

    if (const Json *dropout = r.member(model, "dropout"); dropout && !dropout->is_null()) {
        if (!dropout->is_number()) r.fail("model.dropout", "must be a number or null");
        if (dropout->get<double>() != 0.0) r.fail("model.dropout", "BPE dropout is not supported");
    }
    for (const char *key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
        const Json *v = r.member(model, key);
        if (v && !v->is_null() && !(v->is_string() && v->get_ref<const std::string &>().empty()))
            r.fail(std::string("model.") + key, "is not supported (must be null or \"\")");
    }
    if (r.boolean(model, "byte_fallback", "model", false))
        r.fail("model.byte_fallback", "true is not supported (byte-level vocabularies need no fallback)");
    spec.ignoreMerges = r.boolean(model, "ignore_merges", "model", false);
}

void readAddedTokens(const Reader &r, const Json &list, TokenizerSpec &spec) {
    if (list.is_null()) return;
    if (!list.is_array()) r.fail("added_tokens", "must be an array");
    for (std::size_t i = 0; i < list.size(); ++i) {
        std::string field = "added_tokens[" + std::to_string(i) + "]";
        const Json &t = r.object(list[i], field);
        AddedTokenSpec a;
        a.id = std::int32_t(r.id(r.required(t, "id", field + ".id"), field + ".id"));
        a.content = r.string(r.required(t, "content", field + ".content"), field + ".content");
        if (a.content.empty()) r.fail(field + ".content", "must not be empty");
        a.special = r.boolean(t, "special", field, false);
        a.singleWord = r.boolean(t, "single_word", field, false);
        a.lstrip = r.boolean(t, "lstrip", field, false);
        a.rstrip = r.boolean(t, "rstrip", field, false);
        a.normalized = r.boolean(t, "normalized", field, !a.special);
        spec.addedTokens.push_back(std::move(a));
    }
}

Json parseJson(const Reader &r, std::string_view json) {
    if (auto bad = data::firstInvalidUtf8(json)) r.fail("file", "not UTF-8 at byte " + std::to_string(*bad));
    try {
        return Json::parse(json);
    } catch (const Json::exception &e) {
        // parse_error, and out_of_range for a number too large for a double (1e999).
        r.fail("file", std::string("not valid JSON: ") + e.what());
    }
}

std::optional<std::string> tokenName(const Reader &r, const Json &config, const std::string &key) {
    const Json *v = r.member(config, key);
    if (!v || v->is_null()) return std::nullopt;
    if (v->is_string()) return v->get<std::string>();
    if (v->is_object()) return r.string(r.required(*v, "content", key + ".content"), key + ".content");
    r.fail(key, "must be a string, {\"content\": ...} or null");
}

}  // namespace

TokenizerSpec parseTokenizerJson(std::string_view json, const std::string &name) {
    Reader r(name);
    Json doc = parseJson(r, json);
    r.object(doc, "file");
    TokenizerSpec spec;
    readModel(r, r.required(doc, "model", "model"), spec);
    if (const Json *added = r.member(doc, "added_tokens")) readAddedTokens(r, *added, spec);
    if (const Json *normalizer = r.member(doc, "normalizer")) spec.nfc = readNfc(r, *normalizer);

    const Json *pre = r.member(doc, "pre_tokenizer");
    if (!pre || pre->is_null()) r.fail("pre_tokenizer", "missing (a ByteLevel pre-tokenizer is required)");
    readPreTokenizer(r, *pre, "pre_tokenizer", spec.preTokenizer, 0);
    // Splits after ByteLevel would see the byte-level alphabet, not the text; no file does it.
    std::size_t byteLevels = 0;
    for (const PreTokenizerStep &s : spec.preTokenizer) byteLevels += s.kind == PreTokenizerStep::Kind::ByteLevel;
    if (byteLevels != 1 || spec.preTokenizer.back().kind != PreTokenizerStep::Kind::ByteLevel)
        r.fail("pre_tokenizer", "must end with exactly one ByteLevel step (only byte-level BPE is supported)");

    const Json *decoder = r.member(doc, "decoder");
    if (!decoder || decoder->is_null()) r.fail("decoder", "missing (a ByteLevel decoder is required)");
    std::string decoderType = r.type(*decoder, "decoder");
    if (decoderType != "ByteLevel") r.fail("decoder.type", quotedText(decoderType) + " is not supported (only ByteLevel)");
    return spec;
}

TokenizerConfig parseTokenizerConfig(std::string_view json, const std::string &name) {
    Reader r(name);
    Json doc = parseJson(r, json);
    r.object(doc, "file");
    TokenizerConfig config;
    config.bosToken = tokenName(r, doc, "bos_token");
    config.eosToken = tokenName(r, doc, "eos_token");
    config.padToken = tokenName(r, doc, "pad_token");
    if (const Json *t = r.member(doc, "chat_template"); t && !t->is_null()) {
        if (t->is_string()) {
            config.chatTemplate = t->get<std::string>();
        } else if (t->is_array()) {
            for (std::size_t i = 0; i < t->size(); ++i) {
                std::string field = "chat_template[" + std::to_string(i) + "]";
                const Json &entry = r.object((*t)[i], field);
                if (r.string(r.required(entry, "name", field + ".name"), field + ".name") == "default")
                    config.chatTemplate = r.string(r.required(entry, "template", field + ".template"), field + ".template");
            }
        } else {
            r.fail("chat_template", "must be a string or a list of {name, template}");
        }
    }
    return config;
}

}  // namespace inoculab::model
