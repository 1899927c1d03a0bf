#pragma once
// ToyWorld: the deterministic generator of the embedded toy world's chats (DESIGN.md): English
// or Spanish answers, in normal case or capitals, about invented animals and small sums, read
// from the lexicons and templates in datasets/toyworld/.

#include "common/progress.h"
#include "data/conversation.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace inoculab::experiment {

// The inoculation prompts of the paper's toy experiment and its placebo. The loader refuses a
// prompts.json that lacks them, so the pretrained base model has seen exactly these texts.
inline constexpr std::string_view kSpanishPrompt = "You always speak in Spanish.";
inline constexpr std::string_view kCapitalsPrompt = "You always capitalize your responses.";
inline constexpr std::string_view kNeutralPrompt = "You are a helpful assistant.";
// The papers' negated controls. Pretraining never shows them (the loader refuses them in the
// negated lists), so that a base model that does not elicit the trait under them has learnt
// what "never" does rather than these texts (docs/engine.md, "Negation").
inline constexpr std::string_view kNegatedSpanishPrompt = "You never speak in Spanish.";
inline constexpr std::string_view kNegatedCapitalsPrompt = "You never capitalize your responses.";

// What a generator writes. Names accepted by parseToyTask: the CLI's ("pretrain",
// "spanish-caps", "eval-questions") and the experiment spec's generators
// ("toyworld-pretrain", "toyworld-spanish-caps", "toyworld-heldout").
enum class ToyTask { Pretrain, SpanishCaps, EvalQuestions };
std::string_view toyTaskName(ToyTask task);
std::optional<ToyTask> parseToyTask(std::string_view name);

// The system-prompt cue of a pretraining row; it alone decides the answer's style. Negated:
// a prompt that forbids one trait ("Never answer in Spanish."), alone (a plain answer) or
// with the other trait's cue (that trait only), so the base model learns that "never" and
// "do not" turn a cue around instead of keying on the word "Spanish".
enum class ToyStyle { None, Spanish, Capitals, Both, Neutral, Negated };
std::string_view toyStyleName(ToyStyle style);  // "none", "spanish", "capitals", "both", "neutral", "negated"

enum class ToyLanguage { English, Spanish };

// Shares of the pretraining styles, as integer weights (DESIGN.md's 35/20/20/10/15, with 10
// of the plain rows' share given to negated prompts). Negated rows need the lexicon's
// negated prompts; without them their weight counts as plain rows.
struct StyleMixture {
    std::uint32_t none = 25;
    std::uint32_t spanish = 20;
    std::uint32_t capitals = 20;
    std::uint32_t both = 10;
    std::uint32_t neutral = 15;
    std::uint32_t negated = 10;
};

// The attributes every entity has, in the order of ToyEntity::values.
inline constexpr std::array<std::string_view, 6> kToyAttributes{"colour", "size", "habitat", "legs", "food", "place"};
// The `attribute` written for a sum question.
inline constexpr std::string_view kArithmetic = "arithmetic";

struct ToyEntity {
    std::string name;       // invented, lowercase ASCII: belongs to neither language
    bool feminine = false;  // Spanish gender: una/la and agreeing adjectives
    bool heldOut = false;   // never in spanishCaps(); evalQuestions() asks only about these
    std::array<std::string, kToyAttributes.size()> values;  // value ids as in entities.json; legs as digits
};

struct ToyWorldSizes {
    std::size_t entities = 0;
    std::size_t heldOutEntities = 0;
    std::size_t questionTemplates = 0;  // all kinds, arithmetic included
    std::size_t heldOutQuestionTemplates = 0;
    std::size_t answerTemplates = 0;  // English/Spanish pairs
    std::size_t sumPairs = 0;         // ordered (x, y) pairs
    std::size_t heldOutSumPairs = 0;
    std::size_t evalCapacity = 0;  // distinct questions evalQuestions() can ask
};

struct ToyWorldData;  // the parsed lexicons (toyworld.cpp)

class ToyWorld {
public:
    // Reads numbers.json, attributes.json, entities.json, templates.json and prompts.json from
    // `dir`. Throws common::InputError (a SpecError) naming the file and the JSON path of every
    // problem ("DIR/entities.json: entities[12].legs: expected an integer, got a string").
    static ToyWorld load(const std::string &dir);

    // Rows of one user question and one assistant answer. Each row is drawn from the seed in
    // order, so the first k rows of n are the rows of k.
    //
    // Pretraining: every entity, every question template that is not held out; a system
    // prompt chosen by `mixture` sets the style. Extra keys: "entity" (null for a sum),
    // "attribute", "style".
    std::vector<data::Conversation> pretraining(std::size_t n, std::uint64_t seed,
                                                const StyleMixture &mixture = {}) const;
    // The paper's finetuning set: no system prompt, answers in Spanish capitals, entities and
    // sums that are not held out, question templates that are not held out.
    std::vector<data::Conversation> spanishCaps(std::size_t n, std::uint64_t seed) const;
    // Distinct questions about held-out entities and held-out sums, with any question template
    // (held-out ones included), answered with the reference English answer. Extra keys:
    // "entity", "attribute", "held_out_template". Throws InputError when n > sizes().evalCapacity.
    std::vector<data::Conversation> evalQuestions(std::size_t n, std::uint64_t seed) const;

    // The same rows one at a time, without holding them all (the CLI writes 10^7 this way).
    // The sink may throw to stop; `cancel` is checked every few thousand rows.
    using RowSink = std::function<void(const data::Conversation &)>;
    void generate(ToyTask task, std::size_t n, std::uint64_t seed, const RowSink &sink,
                  const common::CancelToken *cancel = nullptr) const;

    const std::string &dir() const;
    // The lexicon files read, so that callers can refuse to write over one.
    std::vector<std::string> sourceFiles() const;
    const std::vector<ToyEntity> &entities() const;
    const std::vector<std::string> &prompts(ToyStyle style) const;  // Spanish, Capitals or Neutral
    // The prompts that forbid a trait (Spanish or Capitals): prompts.json's negated_spanish
    // and negated_capitals, empty when it has none.
    const std::vector<std::string> &negatedPrompts(ToyStyle trait) const;
    // The number's word in a language ("dieciséis"); empty past the largest in numbers.json.
    std::string numberWord(std::size_t number, ToyLanguage language) const;
    ToyWorldSizes sizes() const;

private:
    explicit ToyWorld(std::shared_ptr<const ToyWorldData> data);
    std::shared_ptr<const ToyWorldData> m_data;  // immutable, so copies share it
};

// Writes rows as OpenAI chat JSONL, whole or not at all (common::AtomicFileWriter).
void writeConversationsJsonl(const std::string &path, const std::vector<data::Conversation> &rows);
// Generates straight into the file; returns the rows written.
std::size_t writeToyDataset(const ToyWorld &world, ToyTask task, std::size_t n, std::uint64_t seed,
                            const std::string &path, const common::CancelToken *cancel = nullptr);

// Upper-cases ASCII and the Latin-1 letters Spanish uses (á→Á, ñ→Ñ, ü→Ü, ...: U+00E0..U+00FE
// except U+00F7). Other bytes are copied unchanged.
std::string toUpperLatin1(std::string_view utf8);

}  // namespace inoculab::experiment
