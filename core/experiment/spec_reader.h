#pragma once
// Path-aware reading of JSON files a user wrote (experiment specs): size and depth limits,
// syntax errors with line and column, duplicate keys, and typed field readers that collect
// every problem as "path: reason" (conditions[2].placement: ...) instead of stopping at the first.

#include "common/input_error.h"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace inoculab::experiment {

// One thing wrong with a spec. `path` is a JSON path ("conditions[2].placement"), empty when
// the problem concerns the whole file. line and column (1-based, column in bytes) are set
// only for JSON syntax errors, which have no path.
struct SpecProblem {
    std::string path;
    std::string reason;
    std::uint64_t line = 0;
    std::uint64_t column = 0;

    bool operator==(const SpecProblem &) const = default;
};

// Every problem found in one file. what() lists them one per line, each as
// "FILE: path: reason" (or "FILE:LINE:COLUMN: invalid JSON: ..."), so front ends that print
// InputError::what() show them all. line() is 0: the problems have paths, not lines.
class SpecError : public common::InputError {
public:
    SpecError(std::string file, std::vector<SpecProblem> problems, std::size_t notShown = 0);

    const std::vector<SpecProblem> &problems() const { return m_problems; }
    // Problems found beyond the ones kept (ProblemList::kMaxKept); what() mentions them.
    std::size_t notShown() const { return m_notShown; }
    const char *what() const noexcept override { return m_what.c_str(); }

    // One problem without the file name: "path: reason", "LINE:COLUMN: reason" or "reason".
    static std::string describe(const SpecProblem &problem);

private:
    std::vector<SpecProblem> m_problems;
    std::size_t m_notShown;
    std::string m_what;
};

// Collects problems while a document is read. Keeps the first kMaxKept and counts the rest,
// so a hostile file with a million bad keys gives a readable error, not a huge one.
class ProblemList {
public:
    static constexpr std::size_t kMaxKept = 100;

    void add(std::string path, std::string reason);
    void addSyntax(std::uint64_t line, std::uint64_t column, std::string reason);

    bool empty() const { return m_count == 0; }
    std::size_t count() const { return m_count; }
    const std::vector<SpecProblem> &kept() const { return m_kept; }

    // Throws SpecError naming `file` when any problem was added.
    void throwIfAny(const std::string &file) const;

private:
    std::vector<SpecProblem> m_kept;
    std::size_t m_count = 0;
};

struct JsonLimits {
    // A spec is a few kilobytes; the limit only stops a wrong or hostile file from taking
    // memory (the parsed tree is many times the size of its text).
    std::size_t maxBytes = 4 * 1024 * 1024;
    // The deepest key of a valid spec is 5 levels down (traits[0].params.words[0]).
    std::size_t maxDepth = 32;
};

// Parses one JSON document. Syntax errors ("invalid JSON" with line and column), a text over
// maxBytes and nesting over maxDepth are added to `problems` and give nullopt. Duplicate keys
// are problems too (nlohmann would silently keep the last), but the document is still returned
// so that the rest of it can be checked.
std::optional<nlohmann::json> parseJsonDocument(std::string_view text, ProblemList &problems,
                                                const JsonLimits &limits = {});

// Reads a whole file of at most maxBytes. Throws SpecError naming the file when it cannot be
// read or is larger.
std::string readSpecFile(const std::string &path, std::size_t maxBytes = JsonLimits{}.maxBytes);

// JSON paths as the problems print them: "training" + "steps" -> "training.steps",
// "conditions" + 2 -> "conditions[2]". Keys that are not plain identifiers are quoted
// (["odd key"]) so that a hostile key cannot forge a path or break the one-per-line listing.
std::string childPath(std::string_view parent, std::string_view key);
std::string indexPath(std::string_view parent, std::size_t index);

// "a number", "an object", ... for "expected X, got Y".
std::string jsonTypeName(const nlohmann::json &value);

struct IntegerLimits {
    std::int64_t min = std::numeric_limits<std::int64_t>::min();
    std::int64_t max = std::numeric_limits<std::int64_t>::max();
};

struct NumberLimits {
    double min = -std::numeric_limits<double>::infinity();
    double max = std::numeric_limits<double>::infinity();
    bool minExclusive = false;  // "> 0" rather than ">= 0"
};

// Largest seed accepted anywhere: seeds travel through JSON readers that hold numbers as
// doubles (scripts, the GUI) and through SQLite, so they stay exact in a double.
inline constexpr std::int64_t kMaxSeed = (std::int64_t{1} << 53) - 1;

template <typename E>
struct EnumChoice {
    std::string_view name;
    E value;
};

// Single values, for array elements and for the object reader below. Each reports its problem
// at `path` and returns nullopt when the value has the wrong type or is out of range.
// Integers accept a float with an integral value (1e3, 150.0); numbers turn -0 into 0 so that
// equal values print, and hash, the same.
std::optional<std::string> readString(const nlohmann::json &value, const std::string &path, ProblemList &problems,
                                      bool allowEmpty = true);
std::optional<std::int64_t> readInteger(const nlohmann::json &value, const std::string &path, ProblemList &problems,
                                        IntegerLimits limits = {});
std::optional<double> readNumber(const nlohmann::json &value, const std::string &path, ProblemList &problems,
                                 NumberLimits limits = {});
std::optional<bool> readBool(const nlohmann::json &value, const std::string &path, ProblemList &problems);
// The index of value's name in `names`; the problem lists them all ("expected one of a, b").
std::optional<std::size_t> readChoice(const nlohmann::json &value, const std::string &path, ProblemList &problems,
                                      const std::vector<std::string_view> &names);

// The choices of an enum, named by its name function, for requiredEnum/optionalEnum.
template <typename E>
std::vector<EnumChoice<E>> choicesOf(std::initializer_list<E> values, std::string_view (*name)(E)) {
    std::vector<EnumChoice<E>> choices;
    for (E value : values) choices.push_back({name(value), value});
    return choices;
}

class ArrayReader;

// Reads the keys of one JSON object. Every read marks its key as known; finish() reports the
// keys nobody read as unknown, so the parser's reads are the schema. Required reads of an
// absent key report "required key is missing". A reader over an absent optional object, or
// over a value that is not an object (reported once, when constructed), is inactive: reads
// return their fallbacks and report nothing, so one mistake gives one problem.
class ObjectReader {
public:
    // value == nullptr: absent (inactive, nothing reported).
    ObjectReader(const nlohmann::json *value, std::string path, ProblemList &problems);

    bool active() const { return m_object != nullptr; }
    const std::string &path() const { return m_path; }
    std::string pathOf(std::string_view key) const { return childPath(m_path, key); }
    ProblemList &problems() const { return *m_problems; }

    // Present (null counts as present). Does not mark the key as known.
    bool has(std::string_view key) const;
    // Whether a read of `key` reported a problem: cross-field checks skip values that are
    // already wrong, so that one mistake gives one problem.
    bool failed(std::string_view key) const { return m_failed.count(std::string(key)) > 0; }

    std::string requiredString(std::string_view key, bool allowEmpty = false);
    std::string optionalString(std::string_view key, std::string fallback, bool allowEmpty = true);
    // Absent or null: nullopt.
    std::optional<std::string> nullableString(std::string_view key, bool allowEmpty = true);

    std::int64_t requiredInteger(std::string_view key, IntegerLimits limits);
    std::int64_t optionalInteger(std::string_view key, std::int64_t fallback, IntegerLimits limits);
    // Absent: nullopt (also when the value is wrong, after reporting it).
    std::optional<std::int64_t> maybeInteger(std::string_view key, IntegerLimits limits);

    double requiredNumber(std::string_view key, NumberLimits limits);
    double optionalNumber(std::string_view key, double fallback, NumberLimits limits);
    // Absent: nullopt (also when the value is wrong, after reporting it).
    std::optional<double> maybeNumber(std::string_view key, NumberLimits limits);
    // Absent: fallback; null: nullopt.
    std::optional<double> nullableNumber(std::string_view key, std::optional<double> fallback, NumberLimits limits);

    bool optionalBool(std::string_view key, bool fallback);

    // `choices`: a container of EnumChoice<E>; the problem lists their names in that order.
    template <typename Choices>
    auto requiredEnum(std::string_view key, const Choices &choices) {
        return readEnum(key, choices, true, choices.begin()->value);
    }
    template <typename Choices, typename E>
    E optionalEnum(std::string_view key, E fallback, const Choices &choices) {
        return readEnum(key, choices, false, fallback);
    }

    ObjectReader requiredObject(std::string_view key);
    ObjectReader optionalObject(std::string_view key);
    ArrayReader requiredArray(std::string_view key, bool nonEmpty);
    ArrayReader optionalArray(std::string_view key, bool nonEmpty);

    // A known key that must not be given here ("only used with method lora").
    void reject(std::string_view key, const std::string &reason);
    // A problem with the value at `key`, found by the caller (marks it as failed).
    void report(std::string_view key, std::string reason);
    // Marks a key known without reading it (its value is checked elsewhere or not at all).
    void markKnown(std::string_view key);

    // Reports every key that was not read or marked known.
    void finish();

private:
    const nlohmann::json *field(std::string_view key, bool required);
    template <typename Choices, typename E>
    E readEnum(std::string_view key, const Choices &choices, bool required, E fallback) {
        const nlohmann::json *value = field(key, required);
        if (!value) return fallback;
        std::vector<std::string_view> names;
        for (const auto &choice : choices) names.push_back(choice.name);
        auto index = readChoice(*value, pathOf(key), *m_problems, names);
        if (!index) {
            m_failed.insert(std::string(key));
            return fallback;
        }
        return std::next(choices.begin(), static_cast<std::ptrdiff_t>(*index))->value;
    }
    template <typename T>
    T checked(std::string_view key, std::optional<T> value, T fallback) {
        if (value) return *value;
        m_failed.insert(std::string(key));
        return fallback;
    }

    const nlohmann::json *m_object = nullptr;
    std::string m_path;
    ProblemList *m_problems;
    std::set<std::string, std::less<>> m_known;
    std::set<std::string, std::less<>> m_failed;
};

// Reads the elements of one JSON array; inactive (size 0) when absent or not an array.
class ArrayReader {
public:
    ArrayReader(const nlohmann::json *value, std::string path, ProblemList &problems);

    bool active() const { return m_array != nullptr; }
    std::size_t size() const { return m_array ? m_array->size() : 0; }
    const std::string &path() const { return m_path; }
    std::string pathOf(std::size_t index) const { return indexPath(m_path, index); }
    ProblemList &problems() const { return *m_problems; }
    const nlohmann::json &at(std::size_t index) const { return (*m_array)[index]; }

    ObjectReader object(std::size_t index) const { return ObjectReader(&at(index), pathOf(index), *m_problems); }
    std::optional<std::string> string(std::size_t index, bool allowEmpty = true) const {
        return readString(at(index), pathOf(index), *m_problems, allowEmpty);
    }
    std::optional<std::int64_t> integer(std::size_t index, IntegerLimits limits) const {
        return readInteger(at(index), pathOf(index), *m_problems, limits);
    }

private:
    const nlohmann::json *m_array = nullptr;
    std::string m_path;
    ProblemList *m_problems;
};

// Names of conditions, contexts, traits and probes end up in file names, CSV headers, chart
// legends and command lines, so they are kept to a safe alphabet: 1-64 letters, digits, '.',
// '_' or '-', starting with a letter or digit.
bool isValidName(std::string_view name);

// Reads `name`, checks its alphabet and that no earlier element of the list has it.
class NameReader {
public:
    std::string read(ObjectReader &object, const std::string &elementPath);

private:
    std::map<std::string, std::string> m_seen;
};

}  // namespace inoculab::experiment
