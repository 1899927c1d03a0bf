#include "experiment/toyworld/generators.h"

#include "common/input_error.h"
#include "experiment/toyworld/random.h"
#include "experiment/toyworld/text.h"

#include <numeric>
#include <stdexcept>
#include <unordered_map>
#include <utility>

namespace inoculab::experiment::toy {

namespace {

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

}  // namespace

void generatePretraining(const Data &d, std::size_t n, std::uint64_t seed, const StyleMixture &mixture,
                         const ToyWorld::RowSink &sink, const common::CancelToken *cancel) {
    // Without negated prompts in the lexicon, their share is plain rows.
    const bool canNegate = !d.negatedSpanishPrompts.empty() && !d.negatedCapitalsPrompts.empty();
    const std::array<std::uint64_t, 6> weights{canNegate ? mixture.none : mixture.none + std::uint64_t(mixture.negated),
                                               mixture.spanish,
                                               mixture.capitals,
                                               mixture.both,
                                               mixture.neutral,
                                               canNegate ? mixture.negated : 0u};
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
        bool spanish = style == ToyStyle::Spanish || style == ToyStyle::Both;
        bool capitals = style == ToyStyle::Capitals || style == ToyStyle::Both;
        std::string system;
        if (style == ToyStyle::Negated) {
            // One trait forbidden; half the time with the other trait's cue, which then holds.
            const bool forbidSpanish = rng.below(2) == 0;
            const std::string &no = rng.pick(forbidSpanish ? d.negatedSpanishPrompts : d.negatedCapitalsPrompts);
            system = no;
            if (rng.below(2) == 0) {
                const std::string &other = rng.pick(forbidSpanish ? d.capitalsPrompts : d.spanishPrompts);
                system = rng.below(2) == 0 ? no + " " + other : other + " " + no;
                (forbidSpanish ? capitals : spanish) = true;
            }
        }
        auto [q, a] =
            questionAndAnswer(d, rng, s, question, spanish ? ToyLanguage::Spanish : ToyLanguage::English, capitals);
        switch (style) {
            case ToyStyle::None: break;
            case ToyStyle::Negated: break;  // chosen above: it decides the answer's style
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

}  // namespace inoculab::experiment::toy
