#include "experiment/toyworld/lexicon.h"

#include "common/input_error.h"
#include "experiment/toyworld/text.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <utility>

namespace inoculab::experiment::toy {

namespace {

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
    // The negated lists are optional (a lexicon without them pretrains no negated rows).
    const List lists[] = {{"spanish", &d.spanishPrompts, kSpanishPrompt, "the inoculation prompt"},
                          {"capitals", &d.capitalsPrompts, kCapitalsPrompt, "the inoculation prompt"},
                          {"neutral", &d.neutralPrompts, kNeutralPrompt, "the placebo prompt"},
                          {"negated_spanish", &d.negatedSpanishPrompts, {}, nullptr},
                          {"negated_capitals", &d.negatedCapitalsPrompts, {}, nullptr}};
    // A prompt in two lists would cue two styles at once: every text must be in one list only.
    std::map<std::string, std::string> seen;
    for (const List &list : lists) {
        ArrayReader items = list.what ? root.requiredArray(list.key, true) : root.optionalArray(list.key, true);
        for (std::size_t i = 0; i < items.size(); ++i) {
            auto text = readText(items.at(i), items.pathOf(i), problems);
            if (!text) continue;
            if (*text == kNegatedSpanishPrompt || *text == kNegatedCapitalsPrompt) {
                problems.add(items.pathOf(i), "held out of pretraining: the negated control " + quoted(std::string_view(*text)) +
                                                  " must stay unseen");
                continue;
            }
            auto [it, inserted] = seen.emplace(*text, items.pathOf(i));
            if (!inserted) {
                problems.add(items.pathOf(i), "duplicate prompt (" + it->second + " has it too)");
                continue;
            }
            list.target->push_back(*text);
        }
        if (list.what && items.size() > 0 && !root.failed(list.key) &&
            std::find(list.target->begin(), list.target->end(), list.required) == list.target->end())
            root.report(list.key, std::string("must contain ") + list.what + " " + quoted(list.required));
    }
    root.finish();
    problems.throwIfAny(path);
}

}  // namespace

void loadLexicon(ToyWorldData &d, const std::string &dir) {
    d.dir = dir;
    // Order matters: entities name attribute values and leg counts, sums need number words.
    const std::pair<const char *, void (*)(Data &, const std::string &)> files[] = {{"numbers.json", loadNumbers},
                                                                                    {"attributes.json", loadAttributes},
                                                                                    {"entities.json", loadEntities},
                                                                                    {"templates.json", loadTemplates},
                                                                                    {"prompts.json", loadPrompts}};
    for (const auto &[name, loader] : files) {
        d.files.push_back(joinPath(dir, name));
        loader(d, d.files.back());
    }
}

}  // namespace inoculab::experiment::toy
