#include "data/record_parser.h"

#include "data/line_scanner.h"

#include <nlohmann/json.hpp>
#include <simdjson.h>

#include <cstring>

static_assert(inoculab::data::LineScanner::kPadding >= simdjson::SIMDJSON_PADDING);

namespace inoculab::data {

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;
using simdjson::dom::object;

// By value: a range-for over `x.get_array().value_unsafe()` would bind a reference into a
// temporary simdjson_result that dies before the loop body runs.
// Callers check the element's type first.
simdjson::dom::array asArray(element value) {
    simdjson::dom::array array;
    [[maybe_unused]] auto error = value.get_array().get(array);
    return array;
}
object asObject(element value) {
    object obj;
    [[maybe_unused]] auto error = value.get_object().get(obj);
    return obj;
}

std::string_view typeName(element_type type) {
    switch (type) {
    case element_type::ARRAY: return "array";
    case element_type::OBJECT: return "object";
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE: return "number";
    case element_type::STRING: return "string";
    case element_type::BOOL: return "boolean";
    case element_type::NULL_VALUE: return "null";
    }
    return "value";
}

ExtraKeys toJson(element value) {
    switch (value.type()) {
    case element_type::ARRAY: {
        ExtraKeys array = ExtraKeys::array();
        for (element item : asArray(value)) array.push_back(toJson(item));
        return array;
    }
    case element_type::OBJECT: {
        ExtraKeys obj = ExtraKeys::object();
        for (auto field : asObject(value))
            obj[std::string(field.key)] = toJson(field.value);
        return obj;
    }
    case element_type::INT64: return value.get_int64().value_unsafe();
    case element_type::UINT64: return value.get_uint64().value_unsafe();
    case element_type::DOUBLE: return value.get_double().value_unsafe();
    case element_type::STRING: return std::string(value.get_string().value_unsafe());
    case element_type::BOOL: return value.get_bool().value_unsafe();
    case element_type::NULL_VALUE: return nullptr;
    }
    return nullptr;
}

bool isBlankContent(std::string_view text) {
    return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// Where a field sits: a top-level key, or a key of turn `index` in `array`. Its text is
// built only when a problem is reported: building it for every field of every valid row
// took about half of all validation time.
struct FieldPath {
    std::string_view array;  // empty for top-level fields
    std::size_t index = 0;

    std::string turn() const { return std::string(array) + "[" + std::to_string(index) + "]"; }
    std::string field(std::string_view key) const {
        return array.empty() ? "\"" + std::string(key) + "\"" : turn() + "." + std::string(key);
    }
};

// Collects problems for one row, with the JSON path of each.
struct RowChecker {
    std::vector<RecordProblem> problems;
    void fail(std::string reason) { problems.push_back({0, std::move(reason)}); }

    // A required or optional string field; returns its value when present and a string.
    std::optional<std::string_view> stringField(object obj, std::string_view key, const FieldPath &path,
                                                bool required, bool allowEmpty) {
        element value;
        if (obj[key].get(value) != simdjson::SUCCESS) {
            if (required) fail((path.array.empty() ? "" : path.turn() + ": ") + "missing \"" + std::string(key) + "\"");
            return std::nullopt;
        }
        if (!value.is_string()) {
            fail(path.field(key) + ": expected a string, got " + std::string(typeName(value.type())));
            return std::nullopt;
        }
        std::string_view text = value.get_string().value_unsafe();
        if (!allowEmpty && isBlankContent(text)) fail(path.field(key) + ": empty");
        return text;
    }
};

void keepExtras(object obj, std::initializer_list<std::string_view> known, ExtraKeys &extra) {
    extra = ExtraKeys::object();
    for (auto field : obj) {
        bool isKnown = false;
        for (std::string_view k : known) isKnown |= (field.key == k);
        if (!isKnown) extra[std::string(field.key)] = toJson(field.value);
    }
}

struct RoleName {
    std::string_view name;
    Role role;
};

// Messages in an array under `arrayKey`: OpenAI ("role"/"content") or ShareGPT ("from"/"value").
void readTurns(RowChecker &check, object root, std::string_view arrayKey, std::string_view roleKey,
               std::string_view contentKey, std::initializer_list<RoleName> roles,
               std::string_view expectedRoles, Conversation *out) {
    element turns;
    if (root[arrayKey].get(turns) != simdjson::SUCCESS) {
        check.fail("missing \"" + std::string(arrayKey) + "\"");
        return;
    }
    if (!turns.is_array()) {
        check.fail("\"" + std::string(arrayKey) + "\": expected an array, got " +
                   std::string(typeName(turns.type())));
        return;
    }
    bool sawAssistant = false;
    std::size_t index = 0;
    for (element turn : asArray(turns)) {
        const FieldPath path{arrayKey, index++};
        if (!turn.is_object()) {
            check.fail(path.turn() + ": expected an object, got " + std::string(typeName(turn.type())));
            continue;
        }
        object obj = asObject(turn);
        auto roleText = check.stringField(obj, roleKey, path, true, true);
        std::optional<Role> role;
        if (roleText) {
            for (const RoleName &r : roles)
                if (r.name == *roleText) role = r.role;
            if (!role)
                check.fail(path.field(roleKey) + ": unknown role \"" + std::string(*roleText) +
                           "\" (expected " + std::string(expectedRoles) + ")");
        }
        auto content = check.stringField(obj, contentKey, path, true, false);
        if (role == Role::Assistant) sawAssistant = true;
        if (out && role && content && check.problems.empty()) {
            Message &m = out->messages.emplace_back();
            m.role = *role;
            m.content.assign(content->data(), content->size());
            // "role" and "content" are also dropped from ShareGPT turns: we write OpenAI
            // messages, where those keys are ours and a second copy would clash.
            keepExtras(obj, {roleKey, contentKey, "role", "content"}, m.extra);
        }
    }
    if (!sawAssistant) check.fail("no assistant turn");
    if (out && check.problems.empty()) keepExtras(root, {arrayKey, "messages"}, out->extra);
}

void readAlpaca(RowChecker &check, object root, Conversation *out) {
    const FieldPath top{};
    auto instruction = check.stringField(root, "instruction", top, true, false);
    auto input = check.stringField(root, "input", top, false, true);
    auto output = check.stringField(root, "output", top, true, false);
    auto system = check.stringField(root, "system", top, false, true);
    if (!out || !check.problems.empty()) return;
    if (system && !isBlankContent(*system)) out->messages.push_back({Role::System, std::string(*system), ExtraKeys::object()});
    std::string user(*instruction);
    // Alpaca's own prompt puts the input after the instruction as a separate paragraph.
    if (input && !isBlankContent(*input)) user += "\n\n" + std::string(*input);
    out->messages.push_back({Role::User, std::move(user), ExtraKeys::object()});
    out->messages.push_back({Role::Assistant, std::string(*output), ExtraKeys::object()});
    keepExtras(root, {"instruction", "input", "output", "system", "messages"}, out->extra);
}

// Describes a syntax error with its column, using nlohmann/json which reports positions.
RecordProblem describeSyntaxError(std::string_view text, simdjson::error_code code) {
    if (code == simdjson::UTF8_ERROR) {
        if (auto at = firstInvalidUtf8(text)) return {*at + 1, "invalid UTF-8 at column " + std::to_string(*at + 1)};
    }
    if (code != simdjson::DEPTH_ERROR) {
        try {
            // The callback discards every value, so no document is built.
            nlohmann::json discarded = nlohmann::json::parse(
                text.begin(), text.end(), [](int, nlohmann::json::parse_event_t, nlohmann::json &) { return false; });
            (void)discarded;
        } catch (const nlohmann::json::parse_error &e) {
            std::string message = e.what();
            std::size_t colon = message.find(": ", message.find("column"));
            std::string detail = colon == std::string::npos ? message : message.substr(colon + 2);
            std::uint64_t column = e.byte == 0 ? 1 : e.byte;
            return {column, "invalid JSON at column " + std::to_string(column) + ": " + detail};
        } catch (const nlohmann::json::exception &) {
            // Valid syntax nlohmann cannot hold either (e.g. 1e999): simdjson's message says it.
        }
    }
    return {0, std::string("invalid JSON: ") + simdjson::error_message(code)};
}

}  // namespace

struct RecordParser::Impl {
    simdjson::dom::parser parser;
    std::vector<char> scratch;  // padded copy for callers that cannot promise padding

    simdjson::error_code parseRoot(std::string_view text, bool padded, element &root) {
        const char *data = text.data();
        if (!padded) {
            scratch.resize(text.size() + simdjson::SIMDJSON_PADDING);
            std::memcpy(scratch.data(), text.data(), text.size());
            data = scratch.data();
        }
        return parser.parse(data, text.size(), false).get(root);
    }
};

RecordParser::RecordParser() : m_impl(std::make_unique<Impl>()) {}
RecordParser::~RecordParser() = default;

std::vector<RecordProblem> RecordParser::parse(std::string_view text, DatasetFormat format,
                                               Conversation *out, bool padded) {
    if (out) *out = Conversation{};
    element root;
    if (auto code = m_impl->parseRoot(text, padded, root); code != simdjson::SUCCESS)
        return {describeSyntaxError(text, code)};
    RowChecker check;
    if (!root.is_object()) {
        check.fail("expected a JSON object, got " + std::string(typeName(root.type())));
        return check.problems;
    }
    object obj = asObject(root);
    switch (format) {
    case DatasetFormat::Messages:
        readTurns(check, obj, "messages", "role", "content",
                  {{"system", Role::System}, {"user", Role::User}, {"assistant", Role::Assistant}},
                  "system, user or assistant", out);
        break;
    case DatasetFormat::ShareGPT:
        readTurns(check, obj, "conversations", "from", "value",
                  {{"system", Role::System}, {"human", Role::User}, {"gpt", Role::Assistant}},
                  "system, human or gpt", out);
        break;
    case DatasetFormat::Alpaca:
        readAlpaca(check, obj, out);
        break;
    }
    if (out && !check.problems.empty()) *out = Conversation{};
    return check.problems;
}

std::optional<DatasetFormat> RecordParser::detect(std::string_view text, bool padded) {
    element root;
    if (m_impl->parseRoot(text, padded, root) != simdjson::SUCCESS || !root.is_object()) return std::nullopt;
    object obj = asObject(root);
    auto has = [&](const char *key) { return obj[key].error() == simdjson::SUCCESS; };
    return detectFormatFromKeys(has("messages"), has("conversations"), has("instruction") && has("output"));
}

std::optional<std::size_t> firstInvalidUtf8(std::string_view text) {
    // RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF.
    const auto *s = reinterpret_cast<const unsigned char *>(text.data());
    std::size_t n = text.size(), i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c < 0x80) { ++i; continue; }
        std::size_t len;
        unsigned char lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) len = 2;
        else if (c == 0xE0) { len = 3; lo = 0xA0; }
        else if (c == 0xED) { len = 3; hi = 0x9F; }
        else if (c >= 0xE1 && c <= 0xEF) len = 3;
        else if (c == 0xF0) { len = 4; lo = 0x90; }
        else if (c >= 0xF1 && c <= 0xF3) len = 4;
        else if (c == 0xF4) { len = 4; hi = 0x8F; }
        else return i;
        if (i + len > n) return i;
        if (s[i + 1] < lo || s[i + 1] > hi) return i;
        for (std::size_t k = 2; k < len; ++k)
            if (s[i + k] < 0x80 || s[i + k] > 0xBF) return i;
        i += len;
    }
    return std::nullopt;
}

}  // namespace inoculab::data
