#include "experiment/toyworld.h"

#include "common/atomic_file.h"
#include "common/input_error.h"
#include "data/dataset_format.h"
#include "experiment/spec_reader.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <numeric>
#include <random>
#include <stdexcept>
#include <unordered_map>
#include <utility>

namespace inoculab::experiment {

namespace {

constexpr std::size_t kAttributeCount = kToyAttributes.size();
constexpr std::size_t kLegs = 3;                   // index of "legs" in kToyAttributes
constexpr std::size_t kSumKind = kAttributeCount;  // the kind after the attributes
constexpr std::size_t kKindCount = kAttributeCount + 1;
static_assert(kToyAttributes[kLegs] == "legs");

std::string_view kindName(std::size_t kind) { return kind == kSumKind ? kArithmetic : kToyAttributes[kind]; }

// ---- text -------------------------------------------------------------------------------

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

// ---- templates --------------------------------------------------------------------------

enum class Slot { A, The, Name, Value, ValueM, ValueF, Number, X, Y, Sum, XWord, YWord, SumWord };

constexpr std::pair<std::string_view, Slot> kSlotNames[] = {{"a", Slot::A},
                                                            {"the", Slot::The},
                                                            {"name", Slot::Name},
                                                            {"value", Slot::Value},
                                                            {"value_m", Slot::ValueM},
                                                            {"value_f", Slot::ValueF},
                                                            {"number", Slot::Number},
                                                            {"x", Slot::X},
                                                            {"y", Slot::Y},
                                                            {"sum", Slot::Sum},
                                                            {"x_word", Slot::XWord},
                                                            {"y_word", Slot::YWord},
                                                            {"sum_word", Slot::SumWord}};

std::string_view slotName(Slot slot) {
    for (const auto &[name, s] : kSlotNames)
        if (s == slot) return name;
    return "";
}

struct Piece {
    std::string literal;  // used when !slot
    std::optional<Slot> slot;
};

struct Template {
    std::vector<Piece> pieces;

    bool uses(Slot slot) const {
        return std::any_of(pieces.begin(), pieces.end(), [&](const Piece &p) { return p.slot == slot; });
    }
};

std::string slotList(const std::vector<Slot> &slots) {
    std::string out;
    for (Slot s : slots) out += (out.empty() ? "{" : ", {") + std::string(slotName(s)) + "}";
    return out;
}

// Parses "{a} is {value}." into pieces. `allowed` are the placeholders this text may use;
// `required` is a list of groups, each of which must have one member in the text.
std::optional<Template> parseTemplate(const std::string &text, const std::string &path, ProblemList &problems,
                                      const std::vector<Slot> &allowed,
                                      const std::vector<std::pair<std::vector<Slot>, std::string>> &required) {
    Template t;
    std::size_t at = 0;
    while (at < text.size()) {
        std::size_t open = text.find_first_of("{}", at);
        if (open == std::string::npos) {
            t.pieces.push_back({text.substr(at), std::nullopt});
            break;
        }
        if (text[open] == '}') {
            problems.add(path, "unmatched } at byte " + std::to_string(open + 1));
            return std::nullopt;
        }
        if (open > at) t.pieces.push_back({text.substr(at, open - at), std::nullopt});
        std::size_t close = text.find('}', open);
        if (close == std::string::npos) {
            problems.add(path, "unclosed { at byte " + std::to_string(open + 1));
            return std::nullopt;
        }
        std::string name = text.substr(open + 1, close - open - 1);
        std::optional<Slot> slot;
        for (const auto &[slotText, s] : kSlotNames)
            if (slotText == name && std::find(allowed.begin(), allowed.end(), s) != allowed.end()) slot = s;
        if (!slot) {
            problems.add(path, "unknown placeholder {" + name + "} (allowed here: " + slotList(allowed) + ")");
            return std::nullopt;
        }
        t.pieces.push_back({{}, slot});
        at = close + 1;
    }
    for (const auto &[group, reason] : required) {
        if (std::none_of(group.begin(), group.end(), [&](Slot s) { return t.uses(s); })) {
            problems.add(path, reason);
            return std::nullopt;
        }
    }
    return t;
}

// ---- random draws -----------------------------------------------------------------------

std::uint64_t splitMix64(std::uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

// mt19937_64 is specified bit for bit by the standard; the distributions are not, so bounded
// draws are done here (rejection keeps them unbiased) and a seed gives the same rows on
// every platform and library.
class Rng {
public:
    Rng(std::uint64_t seed, std::uint64_t stream) : m_engine(splitMix64(seed ^ splitMix64(stream))) {}

    // Uniform in [0, n), n > 0.
    std::uint64_t below(std::uint64_t n) {
        const std::uint64_t threshold = (0 - n) % n;  // 2^64 mod n: the low values that would bias
        for (;;) {
            std::uint64_t x = m_engine();
            if (x >= threshold) return x % n;
        }
    }

    template <typename T>
    const T &pick(const std::vector<T> &items) {
        return items[static_cast<std::size_t>(below(items.size()))];
    }

private:
    std::mt19937_64 m_engine;
};

// Streams: each task draws from its own sequence, so pretraining seed 0 and finetuning seed 0
// are unrelated.
constexpr std::uint64_t kPretrainStream = 0x70726574726169ull;  // "pretrai"
constexpr std::uint64_t kFinetuneStream = 0x7370616e636170ull;  // "spancap"
constexpr std::uint64_t kEvalStream = 0x6576616c717565ull;      // "evalque"

struct SumPair {
    std::size_t x = 0;
    std::size_t y = 0;
    bool operator==(const SumPair &) const = default;
};

}  // namespace

// ---- the lexicon ----------------------------------------------------------------------------

struct ToyWorldData {
    struct Value {
        std::string id, en, esMasculine, esFeminine;
    };
    struct Question {
        Template text;
        bool heldOut = false;
    };
    struct Answer {
        Template en, es;
    };
    struct Kind {
        std::vector<Question> questions;
        std::vector<Answer> answers;
        std::vector<std::size_t> trainQuestions;  // indices of questions not held out
    };

    std::string dir;
    std::vector<std::string> files;
    std::vector<std::string> numbersEn, numbersEs;
    std::array<std::vector<Value>, kAttributeCount> values;  // legs: empty (numbers instead)
    std::vector<ToyEntity> entities;
    std::vector<std::array<std::size_t, kAttributeCount>> entityValues;  // value index; legs: the count
    std::vector<std::size_t> trainEntities, heldOutEntities;
    std::array<Kind, kKindCount> kinds;
    std::vector<SumPair> allPairs, trainPairs, heldOutPairs;
    std::vector<std::string> spanishPrompts, capitalsPrompts, neutralPrompts;
};

namespace {

using Data = ToyWorldData;

std::string joinPath(const std::string &dir, const char *file) {
    if (dir.empty()) return file;
    return dir.back() == '/' ? dir + file : dir + "/" + file;
}

// Reads and parses one lexicon file; syntax errors are thrown at once (nothing else can be
// checked), other problems are collected by the caller's readers.
nlohmann::json readLexicon(const std::string &path, ProblemList &problems) {
    std::string text = readSpecFile(path);
    auto doc = parseJsonDocument(text, problems);
    problems.throwIfAny(path);
    return std::move(*doc);
}

void loadNumbers(Data &d, const std::string &path) {
    ProblemList problems;
    nlohmann::json doc = readLexicon(path, problems);
    ObjectReader root(&doc, "", problems);
    for (auto [key, target] : {std::pair{"en", &d.numbersEn}, std::pair{"es", &d.numbersEs}}) {
        ArrayReader words = root.requiredArray(key, true);
        for (std::size_t i = 0; i < words.size(); ++i)
            target->push_back(readText(words.at(i), words.pathOf(i), problems).value_or(""));
    }
    if (root.active() && !root.failed("en") && !root.failed("es") && d.numbersEs.size() != d.numbersEn.size())
        root.report("es", "must name as many numbers as en (" + std::to_string(d.numbersEn.size()) + ")");
    root.finish();
    problems.throwIfAny(path);
}

void loadAttributes(Data &d, const std::string &path) {
    ProblemList problems;
    nlohmann::json doc = readLexicon(path, problems);
    ObjectReader root(&doc, "", problems);
    for (std::size_t a = 0; a < kAttributeCount; ++a) {
        if (a == kLegs) continue;  // legs are numbers
        ArrayReader list = root.requiredArray(kToyAttributes[a], true);
        std::map<std::string, std::size_t> seen;
        for (std::size_t i = 0; i < list.size(); ++i) {
            ObjectReader item = list.object(i);
            if (!item.active()) continue;
            Data::Value v;
            v.id = item.requiredString("id", false);
            v.en = requiredText(item, "en");
            if (item.has("es")) {
                v.esMasculine = v.esFeminine = requiredText(item, "es");
                item.reject("es_m", "give es, or es_m and es_f, not both");
                item.reject("es_f", "give es, or es_m and es_f, not both");
            } else {
                item.markKnown("es");
                if (!item.has("es_m") && !item.has("es_f"))
                    list.problems().add(item.path(), "requires es (one form), or es_m and es_f (by gender)");
                else {
                    v.esMasculine = requiredText(item, "es_m");
                    v.esFeminine = requiredText(item, "es_f");
                }
            }
            item.finish();
            if (!v.id.empty()) {
                auto [it, inserted] = seen.emplace(v.id, i);
                if (!inserted) item.report("id", "duplicate id (" + list.pathOf(it->second) + " has it too)");
            }
            d.values[a].push_back(std::move(v));
        }
    }
    root.finish();
    problems.throwIfAny(path);
}

void loadEntities(Data &d, const std::string &path) {
    ProblemList problems;
    nlohmann::json doc = readLexicon(path, problems);
    ObjectReader root(&doc, "", problems);
    ArrayReader list = root.requiredArray("entities", true);
    std::map<std::string, std::size_t> seen;
    const std::int64_t maxLegs = static_cast<std::int64_t>(d.numbersEn.size()) - 1;
    static const std::array<EnumChoice<bool>, 2> kGenders{{{"m", false}, {"f", true}}};
    for (std::size_t i = 0; i < list.size(); ++i) {
        ObjectReader item = list.object(i);
        if (!item.active()) continue;
        ToyEntity e;
        std::array<std::size_t, kAttributeCount> indices{};
        e.name = item.requiredString("name", false);
        if (!item.failed("name") && item.has("name")) {
            bool plain = e.name.size() >= 2 && e.name.size() <= 20 &&
                         std::all_of(e.name.begin(), e.name.end(), [](char c) { return c >= 'a' && c <= 'z'; });
            if (!plain) {
                item.report("name", "must be 2 to 20 lowercase letters a-z (a name neither language owns)");
            } else {
                auto [it, inserted] = seen.emplace(e.name, i);
                if (!inserted) item.report("name", "duplicate name (" + list.pathOf(it->second) + " has it too)");
            }
        }
        e.feminine = item.requiredEnum("gender", kGenders);
        for (std::size_t a = 0; a < kAttributeCount; ++a) {
            if (a == kLegs) {
                std::int64_t legs = item.requiredInteger("legs", {2, maxLegs});
                indices[a] = static_cast<std::size_t>(std::max<std::int64_t>(legs, 0));
                e.values[a] = std::to_string(legs);
                continue;
            }
            std::vector<EnumChoice<std::size_t>> choices;
            for (std::size_t v = 0; v < d.values[a].size(); ++v) choices.push_back({d.values[a][v].id, v});
            indices[a] = item.requiredEnum(kToyAttributes[a], choices);
            e.values[a] = d.values[a][indices[a]].id;
        }
        e.heldOut = item.optionalBool("held_out", false);
        item.finish();
        d.entities.push_back(std::move(e));
        d.entityValues.push_back(indices);
    }
    for (std::size_t i = 0; i < d.entities.size(); ++i)
        (d.entities[i].heldOut ? d.heldOutEntities : d.trainEntities).push_back(i);
    if (list.active() && list.size() > 0 && problems.empty()) {
        if (d.heldOutEntities.empty())
            root.report("entities", "no entity is held out (evaluation questions are asked about held-out ones)");
        if (d.trainEntities.empty())
            root.report("entities", "every entity is held out (the finetuning set needs the others)");
    }
    root.finish();
    problems.throwIfAny(path);
}

const std::vector<Slot> kEntitySlots{Slot::A, Slot::The, Slot::Name};
const std::vector<Slot> kAnswerSlots{Slot::A, Slot::The, Slot::Name, Slot::Value, Slot::ValueM, Slot::ValueF};
const std::vector<Slot> kLegsAnswerSlots{Slot::A,      Slot::The,    Slot::Name,  Slot::Value,
                                         Slot::ValueM, Slot::ValueF, Slot::Number};
const std::vector<Slot> kSumQuestionSlots{Slot::X, Slot::Y, Slot::XWord, Slot::YWord};
const std::vector<Slot> kSumAnswerSlots{Slot::X, Slot::Y, Slot::Sum, Slot::XWord, Slot::YWord, Slot::SumWord};

void loadKind(Data::Kind &kind, ObjectReader &reader, std::size_t k) {
    ProblemList &problems = reader.problems();
    bool sums = k == kSumKind;
    std::vector<std::pair<std::vector<Slot>, std::string>> questionNeeds, answerNeeds;
    if (sums) {
        questionNeeds = {{{Slot::X, Slot::XWord}, "must contain {x} or {x_word}"},
                         {{Slot::Y, Slot::YWord}, "must contain {y} or {y_word}"}};
        answerNeeds = {{{Slot::Sum, Slot::SumWord}, "must contain the answer: {sum} or {sum_word}"}};
    } else {
        // A question that did not name its entity could not be held out by entity.
        questionNeeds = {{kEntitySlots, "must name the entity: {a}, {the} or {name}"}};
        answerNeeds = {{k == kLegs ? std::vector<Slot>{Slot::Value, Slot::ValueM, Slot::ValueF, Slot::Number}
                                   : std::vector<Slot>{Slot::Value, Slot::ValueM, Slot::ValueF},
                        k == kLegs ? "must contain the answer: {value}, {value_m}, {value_f} or {number}"
                                   : "must contain the answer: {value}, {value_m} or {value_f}"}};
    }
    const std::vector<Slot> &questionSlots = sums ? kSumQuestionSlots : kEntitySlots;
    const std::vector<Slot> &answerSlots = sums ? kSumAnswerSlots : k == kLegs ? kLegsAnswerSlots : kAnswerSlots;

    ArrayReader questions = reader.requiredArray("questions", true);
    for (std::size_t i = 0; i < questions.size(); ++i) {
        ObjectReader item = questions.object(i);
        if (!item.active()) continue;
        std::string text = requiredText(item, "text");
        bool heldOut = item.optionalBool("held_out", false);
        item.finish();
        if (item.failed("text") || !item.has("text")) continue;
        if (auto t = parseTemplate(text, item.pathOf("text"), problems, questionSlots, questionNeeds)) {
            if (!heldOut) kind.trainQuestions.push_back(kind.questions.size());
            kind.questions.push_back({std::move(*t), heldOut});
        }
    }
    if (questions.size() > 0 && kind.questions.size() == questions.size() && kind.trainQuestions.empty())
        reader.report("questions", "every question is held out (training needs one that is not)");

    ArrayReader answers = reader.requiredArray("answers", true);
    for (std::size_t i = 0; i < answers.size(); ++i) {
        ObjectReader item = answers.object(i);
        if (!item.active()) continue;
        std::string en = requiredText(item, "en");
        std::string es = requiredText(item, "es");
        item.finish();
        std::optional<Template> enTemplate, esTemplate;
        if (!item.failed("en") && item.has("en"))
            enTemplate = parseTemplate(en, item.pathOf("en"), problems, answerSlots, answerNeeds);
        if (!item.failed("es") && item.has("es"))
            esTemplate = parseTemplate(es, item.pathOf("es"), problems, answerSlots, answerNeeds);
        if (enTemplate && esTemplate) kind.answers.push_back({std::move(*enTemplate), std::move(*esTemplate)});
    }
}

void loadTemplates(Data &d, const std::string &path) {
    ProblemList problems;
    nlohmann::json doc = readLexicon(path, problems);
    ObjectReader root(&doc, "", problems);
    for (std::size_t k = 0; k < kKindCount; ++k) {
        ObjectReader kind = root.requiredObject(kindName(k));
        if (!kind.active()) continue;
        if (k == kSumKind) {
            std::int64_t min = kind.requiredInteger("min", {0, 1000});
            std::int64_t max = kind.requiredInteger("max", {0, 1000});
            bool rangeOk = !kind.failed("min") && !kind.failed("max") && kind.has("min") && kind.has("max");
            if (rangeOk && min > max) {
                kind.report("min", "must not exceed max (" + std::to_string(max) + ")");
                rangeOk = false;
            }
            if (rangeOk && static_cast<std::size_t>(2 * max) >= d.numbersEn.size()) {
                kind.report("max", "the largest sum, " + std::to_string(2 * max) +
                                       ", has no word in numbers.json (it names 0 to " +
                                       std::to_string(d.numbersEn.size() - 1) + ")");
                rangeOk = false;
            }
            ArrayReader pairs = kind.optionalArray("held_out_pairs", false);
            std::vector<std::size_t> pairIndices;  // where each held-out pair was written
            for (std::size_t i = 0; i < pairs.size(); ++i) {
                ArrayReader pair(&pairs.at(i), pairs.pathOf(i), problems);
                if (!pair.active()) continue;
                if (pair.size() != 2) {
                    problems.add(pair.path(), "expected two integers [x, y]");
                    continue;
                }
                IntegerLimits limits{rangeOk ? min : 0, rangeOk ? max : 1000};
                auto x = pair.integer(0, limits);
                auto y = pair.integer(1, limits);
                if (!x || !y) continue;
                SumPair p{static_cast<std::size_t>(*x), static_cast<std::size_t>(*y)};
                auto earlier = std::find(d.heldOutPairs.begin(), d.heldOutPairs.end(), p);
                if (earlier != d.heldOutPairs.end()) {
                    std::size_t first = pairIndices[static_cast<std::size_t>(earlier - d.heldOutPairs.begin())];
                    problems.add(pair.path(), "duplicate pair (" + pairs.pathOf(first) + " has it too)");
                } else {
                    d.heldOutPairs.push_back(p);
                    pairIndices.push_back(i);
                }
            }
            if (rangeOk) {
                for (auto x = static_cast<std::size_t>(min); x <= static_cast<std::size_t>(max); ++x) {
                    for (auto y = static_cast<std::size_t>(min); y <= static_cast<std::size_t>(max); ++y) {
                        SumPair p{x, y};
                        d.allPairs.push_back(p);
                        if (std::find(d.heldOutPairs.begin(), d.heldOutPairs.end(), p) == d.heldOutPairs.end())
                            d.trainPairs.push_back(p);
                    }
                }
            }
        }
        loadKind(d.kinds[k], kind, k);
        kind.finish();
    }
    root.finish();
    problems.throwIfAny(path);
}

void loadPrompts(Data &d, const std::string &path) {
    ProblemList problems;
    nlohmann::json doc = readLexicon(path, problems);
    ObjectReader root(&doc, "", problems);
    struct List {
        const char *key;
        std::vector<std::string> *target;
        std::string_view required;
        const char *what;
    };
    const List lists[] = {{"spanish", &d.spanishPrompts, kSpanishPrompt, "the inoculation prompt"},
                          {"capitals", &d.capitalsPrompts, kCapitalsPrompt, "the inoculation prompt"},
                          {"neutral", &d.neutralPrompts, kNeutralPrompt, "the placebo prompt"}};
    // A prompt in two lists would cue two styles at once: every text must be in one list only.
    std::map<std::string, std::string> seen;
    for (const List &list : lists) {
        ArrayReader items = root.requiredArray(list.key, true);
        for (std::size_t i = 0; i < items.size(); ++i) {
            auto text = readText(items.at(i), items.pathOf(i), problems);
            if (!text) continue;
            auto [it, inserted] = seen.emplace(*text, items.pathOf(i));
            if (!inserted) {
                problems.add(items.pathOf(i), "duplicate prompt (" + it->second + " has it too)");
                continue;
            }
            list.target->push_back(*text);
        }
        if (items.size() > 0 && !root.failed(list.key) &&
            std::find(list.target->begin(), list.target->end(), list.required) == list.target->end())
            root.report(list.key, std::string("must contain ") + list.what + " " + quoted(list.required));
    }
    root.finish();
    problems.throwIfAny(path);
}

// ---- rendering ------------------------------------------------------------------------------

struct Subject {
    std::size_t kind = 0;
    std::size_t index = 0;  // an entity, or a pair in the list the draw came from
    SumPair pair;
};

std::string fill(const Data &d, const Template &t, const Subject &s, ToyLanguage language) {
    const bool spanish = language == ToyLanguage::Spanish;
    const std::vector<std::string> &numbers = spanish ? d.numbersEs : d.numbersEn;
    std::string out;
    for (const Piece &piece : t.pieces) {
        if (!piece.slot) {
            out += piece.literal;
            continue;
        }
        if (s.kind == kSumKind) {
            switch (*piece.slot) {
                case Slot::X: out += std::to_string(s.pair.x); break;
                case Slot::Y: out += std::to_string(s.pair.y); break;
                case Slot::Sum: out += std::to_string(s.pair.x + s.pair.y); break;
                case Slot::XWord: out += numbers[s.pair.x]; break;
                case Slot::YWord: out += numbers[s.pair.y]; break;
                case Slot::SumWord: out += numbers[s.pair.x + s.pair.y]; break;
                default: break;  // the loader allows no other placeholder here
            }
            continue;
        }
        const ToyEntity &e = d.entities[s.index];
        const std::size_t value = d.entityValues[s.index][s.kind];
        auto valueText = [&](bool feminine) -> std::string {
            if (s.kind == kLegs) return numbers[value];
            const Data::Value &v = d.values[s.kind][value];
            return spanish ? (feminine ? v.esFeminine : v.esMasculine) : v.en;
        };
        switch (*piece.slot) {
            case Slot::A: {
                bool vowel = std::string_view("aeiou").find(e.name[0]) != std::string_view::npos;
                out += spanish ? (e.feminine ? "una " : "un ") : (vowel ? "an " : "a ");
                out += e.name;
                break;
            }
            case Slot::The: out += (spanish ? (e.feminine ? "la " : "el ") : "the ") + e.name; break;
            case Slot::Name: out += e.name; break;
            case Slot::Value: out += valueText(e.feminine); break;
            case Slot::ValueM: out += valueText(false); break;
            case Slot::ValueF: out += valueText(true); break;
            case Slot::Number: out += std::to_string(value); break;
            default: break;
        }
    }
    if (spanish) out = contractSpanish(std::move(out));
    return upperFirst(std::move(out));
}

data::Message message(data::Role role, std::string content) {
    return {role, std::move(content), data::ExtraKeys::object()};
}

nlohmann::ordered_json entityKey(const Data &d, const Subject &s) {
    if (s.kind == kSumKind) return nullptr;
    return d.entities[s.index].name;
}

// One question about `s` with template `question`, and its answer in a random answer template.
std::pair<std::string, std::string> questionAndAnswer(const Data &d, Rng &rng, const Subject &s, std::size_t question,
                                                      ToyLanguage language, bool capitals) {
    const Data::Kind &kind = d.kinds[s.kind];
    const Data::Answer &answer = kind.answers[static_cast<std::size_t>(rng.below(kind.answers.size()))];
    std::string q = fill(d, kind.questions[question].text, s, ToyLanguage::English);
    std::string a = fill(d, language == ToyLanguage::Spanish ? answer.es : answer.en, s, language);
    if (capitals) a = toUpperLatin1(a);
    return {std::move(q), std::move(a)};
}

// The kinds a training row may be about: every attribute, and sums when there are pairs.
std::vector<std::size_t> trainingKinds(const std::vector<SumPair> &pairs) {
    std::vector<std::size_t> kinds(kAttributeCount);
    std::iota(kinds.begin(), kinds.end(), std::size_t{0});
    if (!pairs.empty()) kinds.push_back(kSumKind);
    return kinds;
}

Subject drawTrainingSubject(Rng &rng, const std::vector<std::size_t> &kinds, const std::vector<std::size_t> &entities,
                            const std::vector<SumPair> &pairs) {
    Subject s;
    s.kind = rng.pick(kinds);
    if (s.kind == kSumKind) {
        s.index = static_cast<std::size_t>(rng.below(pairs.size()));
        s.pair = pairs[s.index];
    } else {
        s.index = rng.pick(entities);
    }
    return s;
}

void checkCancel(const common::CancelToken *cancel, std::size_t row) {
    if (cancel && row % 4096 == 0 && cancel->isCancelled()) throw common::Cancelled();
}

void generatePretraining(const Data &d, std::size_t n, std::uint64_t seed, const StyleMixture &mixture,
                         const ToyWorld::RowSink &sink, const common::CancelToken *cancel) {
    const std::array<std::uint64_t, 5> weights{mixture.none, mixture.spanish, mixture.capitals, mixture.both,
                                               mixture.neutral};
    const std::uint64_t total = std::accumulate(weights.begin(), weights.end(), std::uint64_t{0});
    if (total == 0) throw std::invalid_argument("pretraining mixture: every weight is 0");
    std::vector<std::size_t> allEntities(d.entities.size());
    std::iota(allEntities.begin(), allEntities.end(), std::size_t{0});
    const std::vector<std::size_t> kinds = trainingKinds(d.allPairs);
    Rng rng(seed, kPretrainStream);
    for (std::size_t row = 0; row < n; ++row) {
        checkCancel(cancel, row);
        std::uint64_t r = rng.below(total);
        std::size_t styleIndex = 0;
        while (r >= weights[styleIndex]) r -= weights[styleIndex++];
        const auto style = static_cast<ToyStyle>(styleIndex);
        Subject s = drawTrainingSubject(rng, kinds, allEntities, d.allPairs);
        std::size_t question = rng.pick(d.kinds[s.kind].trainQuestions);
        const bool spanish = style == ToyStyle::Spanish || style == ToyStyle::Both;
        const bool capitals = style == ToyStyle::Capitals || style == ToyStyle::Both;
        auto [q, a] =
            questionAndAnswer(d, rng, s, question, spanish ? ToyLanguage::Spanish : ToyLanguage::English, capitals);
        std::string system;
        switch (style) {
            case ToyStyle::None: break;
            case ToyStyle::Spanish: system = rng.pick(d.spanishPrompts); break;
            case ToyStyle::Capitals: system = rng.pick(d.capitalsPrompts); break;
            case ToyStyle::Neutral: system = rng.pick(d.neutralPrompts); break;
            case ToyStyle::Both: {
                // Either order, so that neither cue is learnt as "the second sentence".
                const std::string &sp = rng.pick(d.spanishPrompts);
                const std::string &caps = rng.pick(d.capitalsPrompts);
                system = rng.below(2) == 0 ? sp + " " + caps : caps + " " + sp;
                break;
            }
        }
        data::Conversation c;
        if (!system.empty()) c.messages.push_back(message(data::Role::System, std::move(system)));
        c.messages.push_back(message(data::Role::User, std::move(q)));
        c.messages.push_back(message(data::Role::Assistant, std::move(a)));
        c.extra["entity"] = entityKey(d, s);
        c.extra["attribute"] = std::string(kindName(s.kind));
        c.extra["style"] = std::string(toyStyleName(style));
        sink(c);
    }
}

void generateSpanishCaps(const Data &d, std::size_t n, std::uint64_t seed, const ToyWorld::RowSink &sink,
                         const common::CancelToken *cancel) {
    const std::vector<std::size_t> kinds = trainingKinds(d.trainPairs);
    Rng rng(seed, kFinetuneStream);
    for (std::size_t row = 0; row < n; ++row) {
        checkCancel(cancel, row);
        Subject s = drawTrainingSubject(rng, kinds, d.trainEntities, d.trainPairs);
        std::size_t question = rng.pick(d.kinds[s.kind].trainQuestions);
        auto [q, a] = questionAndAnswer(d, rng, s, question, ToyLanguage::Spanish, true);
        data::Conversation c;
        c.messages.push_back(message(data::Role::User, std::move(q)));
        c.messages.push_back(message(data::Role::Assistant, std::move(a)));
        c.extra["entity"] = entityKey(d, s);
        c.extra["attribute"] = std::string(kindName(s.kind));
        sink(c);
    }
}

// How many distinct evaluation questions a kind offers: held-out subjects x all its templates.
std::size_t evalPoolSize(const Data &d, std::size_t kind) {
    std::size_t subjects = kind == kSumKind ? d.heldOutPairs.size() : d.heldOutEntities.size();
    return subjects * d.kinds[kind].questions.size();
}

void generateEval(const Data &d, std::size_t n, std::uint64_t seed, const ToyWorld::RowSink &sink,
                  const common::CancelToken *cancel) {
    std::size_t capacity = 0;
    for (std::size_t k = 0; k < kKindCount; ++k) capacity += evalPoolSize(d, k);
    if (n > capacity)
        throw common::InputError(d.dir, 0,
                                 "the toy world has " + std::to_string(capacity) +
                                     " distinct evaluation questions (held-out entities and sums x question "
                                     "templates); " +
                                     std::to_string(n) + " were asked for");
    // Sampling without replacement per kind: a partial Fisher-Yates shuffle of each pool, kept
    // sparse (only moved positions are stored) so that memory follows n, not the pool sizes.
    // The kind is drawn uniformly among those not used up, so no question is asked twice.
    std::array<std::size_t, kKindCount> sizes{}, used{};
    std::array<std::unordered_map<std::size_t, std::size_t>, kKindCount> moved;
    for (std::size_t k = 0; k < kKindCount; ++k) sizes[k] = evalPoolSize(d, k);
    Rng rng(seed, kEvalStream);
    std::vector<std::size_t> open;
    for (std::size_t row = 0; row < n; ++row) {
        checkCancel(cancel, row);
        open.clear();
        for (std::size_t k = 0; k < kKindCount; ++k)
            if (used[k] < sizes[k]) open.push_back(k);
        const std::size_t k = rng.pick(open);
        auto at = [&](std::size_t position) {
            auto it = moved[k].find(position);
            return it == moved[k].end() ? position : it->second;
        };
        const std::size_t j = used[k] + static_cast<std::size_t>(rng.below(sizes[k] - used[k]));
        const std::size_t item = at(j);
        moved[k][j] = at(used[k]);
        ++used[k];
        const std::size_t templates = d.kinds[k].questions.size();
        Subject s;
        s.kind = k;
        s.index = item / templates;
        if (k == kSumKind)
            s.pair = d.heldOutPairs[s.index];
        else
            s.index = d.heldOutEntities[s.index];
        const std::size_t question = item % templates;
        auto [q, a] = questionAndAnswer(d, rng, s, question, ToyLanguage::English, false);
        data::Conversation c;
        c.messages.push_back(message(data::Role::User, std::move(q)));
        c.messages.push_back(message(data::Role::Assistant, std::move(a)));
        c.extra["entity"] = entityKey(d, s);
        c.extra["attribute"] = std::string(kindName(k));
        c.extra["held_out_template"] = d.kinds[k].questions[question].heldOut;
        sink(c);
    }
}

}  // namespace

// ---- public API -----------------------------------------------------------------------------

std::string_view toyTaskName(ToyTask task) {
    switch (task) {
        case ToyTask::Pretrain: return "pretrain";
        case ToyTask::SpanishCaps: return "spanish-caps";
        case ToyTask::EvalQuestions: return "eval-questions";
    }
    return "pretrain";
}

std::optional<ToyTask> parseToyTask(std::string_view name) {
    if (name == "pretrain" || name == "toyworld-pretrain") return ToyTask::Pretrain;
    if (name == "spanish-caps" || name == "toyworld-spanish-caps") return ToyTask::SpanishCaps;
    if (name == "eval-questions" || name == "toyworld-heldout") return ToyTask::EvalQuestions;
    return std::nullopt;
}

std::string_view toyStyleName(ToyStyle style) {
    switch (style) {
        case ToyStyle::None: return "none";
        case ToyStyle::Spanish: return "spanish";
        case ToyStyle::Capitals: return "capitals";
        case ToyStyle::Both: return "both";
        case ToyStyle::Neutral: return "neutral";
    }
    return "none";
}

std::string toUpperLatin1(std::string_view utf8) {
    std::string out(utf8);
    for (std::size_t i = 0; i < out.size(); ++i) {
        auto c = static_cast<unsigned char>(out[i]);
        if (c >= 'a' && c <= 'z') {
            out[i] = static_cast<char>(c - 32);
        } else if (i + 1 < out.size() && isLatin1Lowercase(c, static_cast<unsigned char>(out[i + 1]))) {
            out[i + 1] = static_cast<char>(static_cast<unsigned char>(out[i + 1]) - 0x20);
            ++i;
        }
    }
    return out;
}

ToyWorld::ToyWorld(std::shared_ptr<const ToyWorldData> data) : m_data(std::move(data)) {}

ToyWorld ToyWorld::load(const std::string &dir) {
    auto d = std::make_shared<ToyWorldData>();
    d->dir = dir;
    // Order matters: entities name attribute values and leg counts, sums need number words.
    const std::pair<const char *, void (*)(Data &, const std::string &)> files[] = {{"numbers.json", loadNumbers},
                                                                                    {"attributes.json", loadAttributes},
                                                                                    {"entities.json", loadEntities},
                                                                                    {"templates.json", loadTemplates},
                                                                                    {"prompts.json", loadPrompts}};
    for (const auto &[name, loader] : files) {
        d->files.push_back(joinPath(dir, name));
        loader(*d, d->files.back());
    }
    return ToyWorld(std::move(d));
}

std::vector<data::Conversation> ToyWorld::pretraining(std::size_t n, std::uint64_t seed,
                                                      const StyleMixture &mixture) const {
    std::vector<data::Conversation> rows;
    rows.reserve(n);
    generatePretraining(
        *m_data, n, seed, mixture, [&](const data::Conversation &c) { rows.push_back(c); }, nullptr);
    return rows;
}

std::vector<data::Conversation> ToyWorld::spanishCaps(std::size_t n, std::uint64_t seed) const {
    std::vector<data::Conversation> rows;
    rows.reserve(n);
    generate(ToyTask::SpanishCaps, n, seed, [&](const data::Conversation &c) { rows.push_back(c); });
    return rows;
}

std::vector<data::Conversation> ToyWorld::evalQuestions(std::size_t n, std::uint64_t seed) const {
    std::vector<data::Conversation> rows;
    generate(ToyTask::EvalQuestions, n, seed, [&](const data::Conversation &c) { rows.push_back(c); });
    return rows;
}

void ToyWorld::generate(ToyTask task, std::size_t n, std::uint64_t seed, const RowSink &sink,
                        const common::CancelToken *cancel) const {
    switch (task) {
        case ToyTask::Pretrain: generatePretraining(*m_data, n, seed, StyleMixture{}, sink, cancel); return;
        case ToyTask::SpanishCaps: generateSpanishCaps(*m_data, n, seed, sink, cancel); return;
        case ToyTask::EvalQuestions: generateEval(*m_data, n, seed, sink, cancel); return;
    }
}

const std::string &ToyWorld::dir() const { return m_data->dir; }

std::vector<std::string> ToyWorld::sourceFiles() const { return m_data->files; }

const std::vector<ToyEntity> &ToyWorld::entities() const { return m_data->entities; }

const std::vector<std::string> &ToyWorld::prompts(ToyStyle style) const {
    static const std::vector<std::string> kNone;
    switch (style) {
        case ToyStyle::Spanish: return m_data->spanishPrompts;
        case ToyStyle::Capitals: return m_data->capitalsPrompts;
        case ToyStyle::Neutral: return m_data->neutralPrompts;
        default: return kNone;
    }
}

std::string ToyWorld::numberWord(std::size_t number, ToyLanguage language) const {
    const auto &words = language == ToyLanguage::Spanish ? m_data->numbersEs : m_data->numbersEn;
    return number < words.size() ? words[number] : std::string();
}

ToyWorldSizes ToyWorld::sizes() const {
    const Data &d = *m_data;
    ToyWorldSizes s;
    s.entities = d.entities.size();
    s.heldOutEntities = d.heldOutEntities.size();
    for (std::size_t k = 0; k < kKindCount; ++k) {
        s.questionTemplates += d.kinds[k].questions.size();
        s.heldOutQuestionTemplates += d.kinds[k].questions.size() - d.kinds[k].trainQuestions.size();
        s.answerTemplates += d.kinds[k].answers.size();
        s.evalCapacity += evalPoolSize(d, k);
    }
    s.sumPairs = d.allPairs.size();
    s.heldOutSumPairs = d.heldOutPairs.size();
    return s;
}

void writeConversationsJsonl(const std::string &path, const std::vector<data::Conversation> &rows) {
    common::AtomicFileWriter writer(path);
    for (const data::Conversation &c : rows) {
        writer.write(data::toMessagesJsonLine(c));
        writer.write("\n");
    }
    writer.commit();
}

std::size_t writeToyDataset(const ToyWorld &world, ToyTask task, std::size_t n, std::uint64_t seed,
                            const std::string &path, const common::CancelToken *cancel) {
    common::AtomicFileWriter writer(path);
    std::size_t rows = 0;
    std::string line;
    world.generate(
        task, n, seed,
        [&](const data::Conversation &c) {
            line = data::toMessagesJsonLine(c);
            line += '\n';
            writer.write(line);
            ++rows;
        },
        cancel);
    writer.commit();
    return rows;
}

}  // namespace inoculab::experiment
