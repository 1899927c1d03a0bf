#pragma once
// The toy world's lexicon as loaded from datasets/toyworld/ (DESIGN.md): numbers, attribute
// values, entities with their attributes (some held out for evaluation), question and answer
// templates per kind, sums, and the style prompts. Every file is checked as it is read, and
// problems are reported with the file and the JSON path.
#include "experiment/toyworld/templates.h"
#include "experiment/toyworld/toyworld.h"

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace inoculab::experiment {

namespace toy {

inline constexpr std::size_t kAttributeCount = kToyAttributes.size();
inline constexpr std::size_t kLegs = 3;                   // index of "legs" in kToyAttributes
inline constexpr std::size_t kSumKind = kAttributeCount;  // the kind after the attributes
inline constexpr std::size_t kKindCount = kAttributeCount + 1;
static_assert(kToyAttributes[kLegs] == "legs");

inline std::string_view kindName(std::size_t kind) { return kind == kSumKind ? kArithmetic : kToyAttributes[kind]; }

struct SumPair {
    std::size_t x = 0;
    std::size_t y = 0;
    bool operator==(const SumPair &) const = default;
};

}  // namespace toy

struct ToyWorldData {
    struct Value {
        std::string id, en, esMasculine, esFeminine;
    };
    struct Question {
        toy::Template text;
        bool heldOut = false;
    };
    struct Answer {
        toy::Template en, es;
    };
    struct Kind {
        std::vector<Question> questions;
        std::vector<Answer> answers;
        std::vector<std::size_t> trainQuestions;  // indices of questions not held out
    };

    std::string dir;
    std::vector<std::string> files;
    std::vector<std::string> numbersEn, numbersEs;
    std::array<std::vector<Value>, toy::kAttributeCount> values;  // legs: empty (numbers instead)
    std::vector<ToyEntity> entities;
    std::vector<std::array<std::size_t, toy::kAttributeCount>> entityValues;  // value index; legs: the count
    std::vector<std::size_t> trainEntities, heldOutEntities;
    std::array<Kind, toy::kKindCount> kinds;
    std::vector<toy::SumPair> allPairs, trainPairs, heldOutPairs;
    std::vector<std::string> spanishPrompts, capitalsPrompts, neutralPrompts;
    std::vector<std::string> negatedSpanishPrompts, negatedCapitalsPrompts;  // optional lists
};

namespace toy {

using Data = ToyWorldData;

// Reads the lexicon files of `dir` into `d` (d.dir and d.files set); throws InputError naming
// the file and every problem found in it.
void loadLexicon(ToyWorldData &d, const std::string &dir);

}  // namespace toy

}  // namespace inoculab::experiment
