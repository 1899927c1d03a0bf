#include "experiment/spec_reader.h"

#include "common/json_messages.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <utility>

namespace inoculab::experiment {

namespace {

std::string formatLine(const std::string &file, const SpecProblem &problem) {
    std::string described = SpecError::describe(problem);
    if (file.empty()) return described;
    return file + (problem.line > 0 ? ":" : ": ") + described;
}

// Shortest text that reads back as the same double: "0.5", "1e-05", "3".
std::string formatNumber(double value) {
    char buffer[32];
    for (int precision = 1; precision <= 17; ++precision) {
        std::snprintf(buffer, sizeof buffer, "%.*g", precision, value);
        if (std::strtod(buffer, nullptr) == value) break;
    }
    return buffer;
}

std::size_t validUtf8Length(std::string_view text, std::size_t at) {
    auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    unsigned char lead = byte(at);
    if (lead < 0x80) return 1;
    std::size_t length = lead >= 0xC2 && lead <= 0xDF   ? 2
                         : lead >= 0xE0 && lead <= 0xEF ? 3
                         : lead >= 0xF0 && lead <= 0xF4 ? 4
                                                        : 0;
    if (length == 0 || at + length > text.size()) return 0;
    for (std::size_t i = 1; i < length; ++i)
        if ((byte(at + i) & 0xC0) != 0x80) return 0;
    unsigned char second = byte(at + 1);
    if ((lead == 0xE0 && second < 0xA0) || (lead == 0xED && second > 0x9F) || (lead == 0xF0 && second < 0x90) ||
        (lead == 0xF4 && second > 0x8F))
        return 0;
    return length;
}

// Parser messages quote the bytes they read, which may be long or not UTF-8: shorten the
// middle and replace what is not UTF-8, so the message prints and converts cleanly.
std::string printable(std::string text) {
    constexpr std::size_t kMax = 200;
    if (text.size() > kMax) text = text.substr(0, kMax / 2) + "..." + text.substr(text.size() - kMax / 2);
    std::string out;
    for (std::size_t i = 0; i < text.size();) {
        std::size_t length = validUtf8Length(text, i);
        if (length == 0) {
            out += '?';
            ++i;
        } else {
            out.append(text, i, length);
            i += length;
        }
    }
    return out;
}

// nlohmann's message without its "[json.exception...] parse error at line L, column C: "
// prefix: we print our own position.
std::string syntaxReason(std::string_view message) {
    message = common::withoutJsonErrorPrefix(message);
    constexpr std::string_view kValue = "syntax error while parsing value - ";
    if (message.substr(0, kValue.size()) == kValue) message.remove_prefix(kValue.size());
    return "invalid JSON: " + printable(std::string(message));
}

bool isPlainKey(std::string_view key) {
    if (key.empty()) return false;
    for (char c : key) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
        if (!ok) return false;
    }
    return true;
}

std::string rangeText(const IntegerLimits &limits) {
    constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
    constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
    if (limits.max == kMax) return "an integer >= " + std::to_string(limits.min);
    if (limits.min == kMin) return "an integer <= " + std::to_string(limits.max);
    return "an integer in [" + std::to_string(limits.min) + ", " + std::to_string(limits.max) + "]";
}

std::string rangeText(const NumberLimits &limits) {
    bool hasMin = std::isfinite(limits.min), hasMax = std::isfinite(limits.max);
    std::string low = formatNumber(limits.min), high = formatNumber(limits.max);
    if (hasMin && hasMax)
        return "a number in " + std::string(limits.minExclusive ? "(" : "[") + low + ", " + high + "]";
    if (hasMin) return std::string("a number ") + (limits.minExclusive ? "> " : ">= ") + low;
    if (hasMax) return "a number <= " + high;
    return "a finite number";
}

// Builds the DOM through nlohmann's SAX interface, which is iterative, so that depth can be
// limited before a deep document costs recursion anywhere (copies, comparisons and dumps of
// nlohmann values recurse), and duplicate keys can be seen at all.
class DomBuilder : public nlohmann::json_sax<nlohmann::json> {
public:
    DomBuilder(std::string_view text, ProblemList &problems, std::size_t maxDepth)
        : m_text(text), m_problems(problems), m_maxDepth(maxDepth) {}

    nlohmann::json &root() { return m_root; }

    bool null() override { return put(nullptr) != nullptr; }
    bool boolean(bool value) override { return put(value) != nullptr; }
    bool number_integer(number_integer_t value) override { return put(value) != nullptr; }
    bool number_unsigned(number_unsigned_t value) override { return put(value) != nullptr; }
    bool number_float(number_float_t value, const string_t &) override { return put(value) != nullptr; }
    bool string(string_t &value) override { return put(std::move(value)) != nullptr; }
    bool binary(binary_t &) override { return false; }  // not produced by the JSON reader

    bool start_object(std::size_t) override { return open(nlohmann::json::object()); }
    bool start_array(std::size_t) override { return open(nlohmann::json::array()); }
    bool end_object() override { return close(); }
    bool end_array() override { return close(); }

    bool key(string_t &key) override {
        nlohmann::json &object = *m_stack.back();
        if (object.contains(key)) m_problems.add(childPath(containerPath(m_stack.size() - 1), key), "duplicate key");
        m_keys.back() = key;
        m_slot = &object[key];
        return true;
    }

    bool parse_error(std::size_t position, const std::string &, const nlohmann::detail::exception &error) override {
        // `position` counts the bytes read, the offending one included.
        std::size_t at = std::min(position > 0 ? position - 1 : 0, m_text.size());
        std::size_t lineStart = 0;
        std::uint64_t line = 1;
        for (std::size_t i = 0; i < at; ++i) {
            if (m_text[i] == '\n') {
                ++line;
                lineStart = i + 1;
            }
        }
        // Our own words for an empty file: nlohmann's differ between releases (3.11.3: "attempting
        // to parse an empty input").
        const bool empty = m_text.find_first_not_of(" \t\r\n") == std::string_view::npos;
        m_problems.addSyntax(line, at - lineStart + 1,
                             empty ? "invalid JSON: unexpected end of input (the file is empty)"
                                   : syntaxReason(error.what()));
        return false;
    }

private:
    // The path of container m_stack[level].
    std::string containerPath(std::size_t level) const {
        std::string path;
        for (std::size_t i = 0; i < level; ++i)
            path = m_stack[i]->is_array() ? indexPath(path, m_stack[i]->size() - 1) : childPath(path, m_keys[i]);
        return path;
    }

    std::string slotPath() const {
        if (m_stack.empty()) return {};
        const nlohmann::json &top = *m_stack.back();
        std::string parent = containerPath(m_stack.size() - 1);
        return top.is_array() ? indexPath(parent, top.size()) : childPath(parent, m_keys.back());
    }

    template <typename Value>
    nlohmann::json *put(Value &&value) {
        if (m_stack.empty()) {
            m_root = std::forward<Value>(value);
            return &m_root;
        }
        nlohmann::json &top = *m_stack.back();
        if (top.is_array()) {
            top.emplace_back(std::forward<Value>(value));
            return &top.back();
        }
        *m_slot = std::forward<Value>(value);
        return m_slot;
    }

    bool open(nlohmann::json container) {
        if (m_stack.size() >= m_maxDepth) {
            m_problems.add(slotPath(), "nested deeper than " + std::to_string(m_maxDepth) + " levels");
            return false;
        }
        // The pointer stays valid while we are inside the container: its parent only grows
        // after the container is closed.
        m_stack.push_back(put(std::move(container)));
        m_keys.emplace_back();
        return true;
    }

    bool close() {
        m_stack.pop_back();
        m_keys.pop_back();
        return true;
    }

    std::string_view m_text;
    ProblemList &m_problems;
    std::size_t m_maxDepth;
    nlohmann::json m_root;
    std::vector<nlohmann::json *> m_stack;
    std::vector<std::string> m_keys;  // per open container: its current key (objects only)
    nlohmann::json *m_slot = nullptr;
};

}  // namespace

SpecError::SpecError(std::string file, std::vector<SpecProblem> problems, std::size_t notShown)
    : common::InputError(file, 0,
                         [&] {
                             std::string reason;
                             for (const SpecProblem &p : problems) reason += (reason.empty() ? "" : "\n") + describe(p);
                             if (notShown > 0) reason += "\n" + std::to_string(notShown) + " more problems not shown";
                             return reason;
                         }()),
      m_problems(std::move(problems)),
      m_notShown(notShown) {
    for (const SpecProblem &p : m_problems) m_what += (m_what.empty() ? "" : "\n") + formatLine(file, p);
    if (m_notShown > 0)
        m_what += "\n" + formatLine(file, {"", std::to_string(m_notShown) + " more problems not shown", 0, 0});
}

std::string SpecError::describe(const SpecProblem &problem) {
    if (problem.line > 0)
        return std::to_string(problem.line) + ":" + std::to_string(problem.column) + ": " + problem.reason;
    if (problem.path.empty()) return problem.reason;
    return problem.path + ": " + problem.reason;
}

void ProblemList::add(std::string path, std::string reason) {
    if (++m_count <= kMaxKept) m_kept.push_back({std::move(path), std::move(reason), 0, 0});
}

void ProblemList::addSyntax(std::uint64_t line, std::uint64_t column, std::string reason) {
    if (++m_count <= kMaxKept) m_kept.push_back({"", std::move(reason), line, column});
}

void ProblemList::throwIfAny(const std::string &file) const {
    if (m_count > 0) throw SpecError(file, m_kept, m_count - m_kept.size());
}

std::optional<nlohmann::json> parseJsonDocument(std::string_view text, ProblemList &problems,
                                                const JsonLimits &limits) {
    if (text.size() > limits.maxBytes) {
        problems.add("", "the file is larger than " + std::to_string(limits.maxBytes) + " bytes");
        return std::nullopt;
    }
    DomBuilder builder(text, problems, limits.maxDepth);
    if (!nlohmann::json::sax_parse(text.begin(), text.end(), &builder)) return std::nullopt;
    return std::move(builder.root());
}

std::string readSpecFile(const std::string &path, std::size_t maxBytes) {
    auto fail = [&](const std::string &reason) { throw SpecError(path, {{"", reason, 0, 0}}); };
    std::error_code error;
    if (std::filesystem::is_directory(path, error)) fail("is a folder, not a file");
    std::unique_ptr<std::FILE, int (*)(std::FILE *)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
    if (!file) fail(std::string("cannot open: ") + std::strerror(errno));
    std::string text;
    char buffer[65536];
    while (std::size_t n = std::fread(buffer, 1, sizeof buffer, file.get())) {
        text.append(buffer, n);
        if (text.size() > maxBytes) fail("the file is larger than " + std::to_string(maxBytes) + " bytes");
    }
    if (std::ferror(file.get())) fail(std::string("cannot read: ") + std::strerror(errno));
    return text;
}

std::string childPath(std::string_view parent, std::string_view key) {
    if (isPlainKey(key)) return parent.empty() ? std::string(key) : std::string(parent) + "." + std::string(key);
    // ensure_ascii and replace: the quoted key is one printable ASCII line whatever it holds.
    std::string quoted = nlohmann::json(std::string(key)).dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
    if (quoted.size() > 80) quoted = quoted.substr(0, 76) + "...\"";
    return std::string(parent) + "[" + quoted + "]";
}

std::string indexPath(std::string_view parent, std::size_t index) {
    return std::string(parent) + "[" + std::to_string(index) + "]";
}

std::string jsonTypeName(const nlohmann::json &value) {
    switch (value.type()) {
        case nlohmann::json::value_t::null: return "null";
        case nlohmann::json::value_t::boolean: return "a boolean";
        case nlohmann::json::value_t::string: return "a string";
        case nlohmann::json::value_t::array: return "an array";
        case nlohmann::json::value_t::object: return "an object";
        case nlohmann::json::value_t::number_integer:
        case nlohmann::json::value_t::number_unsigned:
        case nlohmann::json::value_t::number_float: return "a number";
        default: return "an unsupported value";
    }
}

std::optional<std::string> readString(const nlohmann::json &value, const std::string &path, ProblemList &problems,
                                      bool allowEmpty) {
    if (!value.is_string()) {
        problems.add(path, "expected a string, got " + jsonTypeName(value));
        return std::nullopt;
    }
    const std::string &text = value.get_ref<const std::string &>();
    if (!allowEmpty && text.find_first_not_of(" \t\r\n") == std::string::npos) {
        problems.add(path, "must not be empty");
        return std::nullopt;
    }
    return text;
}

std::optional<std::int64_t> readInteger(const nlohmann::json &value, const std::string &path, ProblemList &problems,
                                        IntegerLimits limits) {
    auto outOfRange = [&] {
        problems.add(path, "must be " + rangeText(limits));
        return std::nullopt;
    };
    std::int64_t result = 0;
    if (value.is_number_unsigned()) {
        std::uint64_t v = value.get<std::uint64_t>();
        if (v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return outOfRange();
        result = static_cast<std::int64_t>(v);
    } else if (value.is_number_integer()) {
        result = value.get<std::int64_t>();
    } else if (value.is_number_float()) {
        double v = value.get<double>();
        if (!std::isfinite(v) || v != std::trunc(v)) {
            problems.add(path, "expected an integer, got " + formatNumber(v));
            return std::nullopt;
        }
        // 2^63 is exact as a double; anything at or beyond it does not fit.
        if (v >= 9223372036854775808.0 || v < -9223372036854775808.0) return outOfRange();
        result = static_cast<std::int64_t>(v);
    } else {
        problems.add(path, "expected an integer, got " + jsonTypeName(value));
        return std::nullopt;
    }
    if (result < limits.min || result > limits.max) return outOfRange();
    return result;
}

std::optional<double> readNumber(const nlohmann::json &value, const std::string &path, ProblemList &problems,
                                 NumberLimits limits) {
    if (!value.is_number()) {
        problems.add(path, "expected a number, got " + jsonTypeName(value));
        return std::nullopt;
    }
    double v = value.get<double>();
    bool belowMin = limits.minExclusive ? !(v > limits.min) : !(v >= limits.min);
    if (!std::isfinite(v) || belowMin || !(v <= limits.max)) {
        problems.add(path, "must be " + rangeText(limits));
        return std::nullopt;
    }
    return v + 0.0;  // -0 becomes +0
}

std::optional<bool> readBool(const nlohmann::json &value, const std::string &path, ProblemList &problems) {
    if (!value.is_boolean()) {
        problems.add(path, "expected true or false, got " + jsonTypeName(value));
        return std::nullopt;
    }
    return value.get<bool>();
}

std::optional<std::size_t> readChoice(const nlohmann::json &value, const std::string &path, ProblemList &problems,
                                      const std::vector<std::string_view> &names) {
    std::string expected = "expected one of ";
    for (std::size_t i = 0; i < names.size(); ++i) expected += (i ? ", " : "") + std::string(names[i]);
    if (!value.is_string()) {
        problems.add(path, expected + ", got " + jsonTypeName(value));
        return std::nullopt;
    }
    const std::string &text = value.get_ref<const std::string &>();
    for (std::size_t i = 0; i < names.size(); ++i)
        if (text == names[i]) return i;
    problems.add(path, expected);
    return std::nullopt;
}

ObjectReader::ObjectReader(const nlohmann::json *value, std::string path, ProblemList &problems)
    : m_path(std::move(path)), m_problems(&problems) {
    if (value && !value->is_object())
        problems.add(m_path, "expected an object, got " + jsonTypeName(*value));
    else
        m_object = value;
}

bool ObjectReader::has(std::string_view key) const { return m_object && m_object->contains(std::string(key)); }

const nlohmann::json *ObjectReader::field(std::string_view key, bool required) {
    if (!m_object) return nullptr;
    markKnown(key);
    auto it = m_object->find(std::string(key));
    if (it != m_object->end()) return &*it;
    if (required) report(key, "required key is missing");
    return nullptr;
}

std::string ObjectReader::requiredString(std::string_view key, bool allowEmpty) {
    const nlohmann::json *value = field(key, true);
    if (!value) return {};
    return checked<std::string>(key, readString(*value, pathOf(key), *m_problems, allowEmpty), {});
}

std::string ObjectReader::optionalString(std::string_view key, std::string fallback, bool allowEmpty) {
    const nlohmann::json *value = field(key, false);
    if (!value) return fallback;
    return checked<std::string>(key, readString(*value, pathOf(key), *m_problems, allowEmpty), std::move(fallback));
}

std::optional<std::string> ObjectReader::nullableString(std::string_view key, bool allowEmpty) {
    const nlohmann::json *value = field(key, false);
    if (!value || value->is_null()) return std::nullopt;
    auto text = readString(*value, pathOf(key), *m_problems, allowEmpty);
    if (!text) m_failed.insert(std::string(key));
    return text;
}

std::int64_t ObjectReader::requiredInteger(std::string_view key, IntegerLimits limits) {
    const nlohmann::json *value = field(key, true);
    if (!value) return limits.min;
    return checked<std::int64_t>(key, readInteger(*value, pathOf(key), *m_problems, limits), limits.min);
}

std::int64_t ObjectReader::optionalInteger(std::string_view key, std::int64_t fallback, IntegerLimits limits) {
    const nlohmann::json *value = field(key, false);
    if (!value) return fallback;
    return checked<std::int64_t>(key, readInteger(*value, pathOf(key), *m_problems, limits), fallback);
}

std::optional<std::int64_t> ObjectReader::maybeInteger(std::string_view key, IntegerLimits limits) {
    const nlohmann::json *value = field(key, false);
    if (!value) return std::nullopt;
    auto number = readInteger(*value, pathOf(key), *m_problems, limits);
    if (!number) m_failed.insert(std::string(key));
    return number;
}

double ObjectReader::requiredNumber(std::string_view key, NumberLimits limits) {
    double fallback = std::isfinite(limits.min) ? limits.min : 0.0;
    const nlohmann::json *value = field(key, true);
    if (!value) return fallback;
    return checked<double>(key, readNumber(*value, pathOf(key), *m_problems, limits), fallback);
}

double ObjectReader::optionalNumber(std::string_view key, double fallback, NumberLimits limits) {
    const nlohmann::json *value = field(key, false);
    if (!value) return fallback;
    return checked<double>(key, readNumber(*value, pathOf(key), *m_problems, limits), fallback);
}

std::optional<double> ObjectReader::maybeNumber(std::string_view key, NumberLimits limits) {
    const nlohmann::json *value = field(key, false);
    if (!value) return std::nullopt;
    auto number = readNumber(*value, pathOf(key), *m_problems, limits);
    if (!number) m_failed.insert(std::string(key));
    return number;
}

bool ObjectReader::optionalBool(std::string_view key, bool fallback) {
    const nlohmann::json *value = field(key, false);
    if (!value) return fallback;
    return checked<bool>(key, readBool(*value, pathOf(key), *m_problems), fallback);
}

ObjectReader ObjectReader::requiredObject(std::string_view key) {
    const nlohmann::json *value = field(key, true);
    if (value && !value->is_object()) m_failed.insert(std::string(key));
    return ObjectReader(value, pathOf(key), *m_problems);
}

ObjectReader ObjectReader::optionalObject(std::string_view key) {
    const nlohmann::json *value = field(key, false);
    if (value && !value->is_object()) m_failed.insert(std::string(key));
    return ObjectReader(value, pathOf(key), *m_problems);
}

ArrayReader ObjectReader::requiredArray(std::string_view key, bool nonEmpty) {
    const nlohmann::json *value = field(key, true);
    if (!value) return ArrayReader(nullptr, pathOf(key), *m_problems);
    if (!value->is_array())
        m_failed.insert(std::string(key));
    else if (nonEmpty && value->empty())
        report(key, "must not be empty");
    return ArrayReader(value, pathOf(key), *m_problems);
}

ArrayReader ObjectReader::optionalArray(std::string_view key, bool nonEmpty) {
    const nlohmann::json *value = field(key, false);
    if (!value) return ArrayReader(nullptr, pathOf(key), *m_problems);
    if (!value->is_array())
        m_failed.insert(std::string(key));
    else if (nonEmpty && value->empty())
        report(key, "must not be empty");
    return ArrayReader(value, pathOf(key), *m_problems);
}

std::optional<double> ObjectReader::nullableNumber(std::string_view key, std::optional<double> fallback,
                                                  NumberLimits limits) {
    const nlohmann::json *value = field(key, false);
    if (!value) return fallback;
    if (value->is_null()) return std::nullopt;
    std::optional<double> number = readNumber(*value, pathOf(key), *m_problems, limits);
    if (!number) {
        m_failed.insert(std::string(key));
        return fallback;
    }
    return number;
}

void ObjectReader::reject(std::string_view key, const std::string &reason) {
    if (!m_object) return;
    markKnown(key);
    if (has(key)) report(key, reason);
}

void ObjectReader::report(std::string_view key, std::string reason) {
    m_failed.insert(std::string(key));
    m_problems->add(pathOf(key), std::move(reason));
}

void ObjectReader::markKnown(std::string_view key) {
    if (m_known.find(key) == m_known.end()) m_known.emplace(key);
}

void ObjectReader::finish() {
    if (!m_object) return;
    std::string allowed;
    for (const std::string &key : m_known) allowed += (allowed.empty() ? "" : ", ") + key;
    std::string reason =
        allowed.empty() ? "unknown key (no keys are allowed here)" : "unknown key (allowed: " + allowed + ")";
    for (auto it = m_object->begin(); it != m_object->end(); ++it)
        if (m_known.find(it.key()) == m_known.end()) m_problems->add(pathOf(it.key()), reason);
}

ArrayReader::ArrayReader(const nlohmann::json *value, std::string path, ProblemList &problems)
    : m_path(std::move(path)), m_problems(&problems) {
    if (value && !value->is_array())
        problems.add(m_path, "expected an array, got " + jsonTypeName(*value));
    else
        m_array = value;
}

bool isValidName(std::string_view name) {
    constexpr std::size_t kMaxNameBytes = 64;
    if (name.empty() || name.size() > kMaxNameBytes) return false;
    for (std::size_t i = 0; i < name.size(); ++i) {
        char c = name[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-'))) return false;
    }
    return true;
}

std::string NameReader::read(ObjectReader &object, const std::string &elementPath) {
    std::string name = object.requiredString("name");
    if (object.failed("name")) return name;
    if (!isValidName(name)) {
        object.report("name", "must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit");
    } else if (auto [it, inserted] = m_seen.emplace(name, elementPath); !inserted) {
        object.report("name", "duplicate name (" + it->second + " has it too)");
    }
    return name;
}

}  // namespace inoculab::experiment
