#pragma once
// Trait scorers: turn one sampled answer into a trait score in [0, 1] (caps, language,
// contains, regex), as an experiment's TraitSpec asks. Plain C++, no torch, so that tools and
// tests can score texts without the engine.

#include "experiment/experiment_spec.h"

#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

namespace inoculab::eval {

// ---- text ---------------------------------------------------------------------------------
// Case handling covers the letters the scorers meet: ASCII, Latin-1 supplement, Latin
// Extended-A, Greek and Cyrillic. Bytes that are not valid UTF-8 count as non-letters.

// Share of cased letters that are upper case; nullopt when the text has no cased letter.
// A cased letter has a one-letter counterpart in the other case: ß, ĸ, ª, º and µ have none
// and are ignored, as are digits, punctuation and letters of other scripts.
std::optional<double> upperCaseShare(std::string_view utf8);

// Lower and upper case of the letters above, other text copied unchanged (invalid UTF-8 bytes
// included). upperCase() writes ß as "SS", as German capitals do.
std::string lowerCase(std::string_view utf8);
std::string upperCase(std::string_view utf8);

// ---- language identification --------------------------------------------------------------

// The text one language is learnt from: varied prose and a list of function words, one a
// line (datasets/languages/profile/ and stopwords/).
struct LanguageProfileText {
    std::string code;  // ISO 639-1
    std::string_view prose;
    std::string_view stopWords;
};

// Probability that a text is written in each of a few languages. Case-insensitive: letters
// are lowered first, so Spanish in capitals is still Spanish. Each language has
//  - a character 5-gram model (Witten-Bell smoothing) of its lowered profile prose, with a
//    boundary character between words, so that accents, ñ, ß and ¿ are evidence too;
//  - the words of that prose, whose share backs the character model for words it has seen;
//  - a bonus per word found in its function-word list.
// Every word is either of the language or, with probability 0.1, a name or borrowing equally
// likely in all of them: one invented or garbled word cannot outvote the rest of the text.
// The log-likelihoods per character go through a softmax with a temperature, so that an
// ordinary sentence gets > 0.99 for its language; texts under 20 characters are damped
// towards uniform. The constants are explained in trait_scorers.cpp.
class LanguageIdentifier {
public:
    // The four languages of kScorerLanguages, learnt from the profiles compiled into the
    // binary from datasets/languages/ (cmake/LanguageProfiles.cmake), built once.
    static const LanguageIdentifier &builtIn();

    explicit LanguageIdentifier(const std::vector<LanguageProfileText> &profiles);
    ~LanguageIdentifier();
    LanguageIdentifier(LanguageIdentifier &&) noexcept;
    LanguageIdentifier &operator=(LanguageIdentifier &&) noexcept;

    // Every language's probability. They sum to 1, except for a text without a letter: it is in
    // no language, so every probability is 0 (an empty answer must not count as 25% Spanish).
    std::map<std::string, double> probabilities(std::string_view utf8) const;
    // One language's; throws std::invalid_argument for a language it does not know.
    double probability(std::string_view utf8, std::string_view language) const;
    std::vector<std::string> languages() const;

    struct Model;  // the learnt counts (trait_scorers.cpp)

private:
    std::unique_ptr<const Model> m_model;
};

// ---- scorers ------------------------------------------------------------------------------

// One trait's scorer, built from its spec; score() is const and safe to call from several
// threads at once.
//   caps:     1 when upperCaseShare() >= threshold, else 0 (0 without cased letters).
//   language: LanguageIdentifier::builtIn().probability(answer, language).
//   contains: 1 when one of the words occurs as a whole word (no letter or digit right before
//             or after it), ignoring case unless caseSensitive; else 0.
//   regex:    1 when std::regex_search (ECMAScript) finds the pattern, else 0.
// The constructor throws std::invalid_argument naming the field of a bad spec (threshold,
// language, words, pattern), and for a judged trait (eval/judges/judged_traits.h scores those).
class TraitScorerFn {
public:
    explicit TraitScorerFn(const experiment::TraitSpec &spec);

    double score(std::string_view answer) const;
    const std::string &name() const { return m_name; }
    experiment::TraitScorer kind() const { return m_kind; }

private:
    std::string m_name;
    experiment::TraitScorer m_kind;
    double m_threshold = 0.9;
    std::string m_language;
    std::vector<std::string> m_words;  // lowered unless m_caseSensitive
    bool m_caseSensitive = false;
    std::regex m_regex;
};

}  // namespace inoculab::eval
