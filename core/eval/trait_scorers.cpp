#include "eval/trait_scorers.h"

#include "eval/language_data.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace inoculab::eval {

namespace {

// ---- UTF-8 --------------------------------------------------------------------------------

struct Decoded {
    char32_t cp = 0;
    std::size_t length = 1;
    bool valid = false;  // false: one byte that is not (the start of) valid UTF-8
};

Decoded decodeAt(std::string_view s, std::size_t i) {
    auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    unsigned char lead = byte(i);
    if (lead < 0x80) return {lead, 1, true};
    std::size_t length = 0;
    char32_t cp = 0;
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2, cp = lead & 0x1F;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3, cp = lead & 0x0F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4, cp = lead & 0x07;
    } else {
        return {};
    }
    if (i + length > s.size()) return {};
    for (std::size_t k = 1; k < length; ++k) {
        unsigned char next = byte(i + k);
        if ((next & 0xC0) != 0x80) return {};
        cp = (cp << 6) | (next & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not characters.
    bool overlong = (length == 3 && cp < 0x800) || (length == 4 && cp < 0x10000);
    if (overlong || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) return {};
    return {cp, length, true};
}

// The character that ends just before byte `end` (for word boundaries when searching).
Decoded decodeBefore(std::string_view s, std::size_t end) {
    std::size_t start = end - 1;
    while (start > 0 && end - start < 4 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
    Decoded d = decodeAt(s, start);
    if (d.valid && start + d.length == end) return d;
    return {};
}

void appendUtf8(std::string &out, char32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

// ---- letters and case ---------------------------------------------------------------------
// Simple (one character to one character) case mappings of the Unicode tables for the blocks
// below; a letter whose counterpart is not a single character (ß, ĸ, ŉ, ΐ) is left alone.

char32_t lowerOf(char32_t c) {
    if (c >= 'A' && c <= 'Z') return c + 32;
    if (c < 0xC0) return c;
    if (c <= 0xDE) return c == 0xD7 ? c : c + 32;  // U+00D7 is the multiplication sign
    if (c == 0x130) return 'i';                    // İ
    if ((c >= 0x100 && c <= 0x137) || (c >= 0x14A && c <= 0x177)) return c % 2 == 0 ? c + 1 : c;
    if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E)) return c % 2 == 1 ? c + 1 : c;
    if (c == 0x178) return 0xFF;  // Ÿ
    if (c == 0x386) return 0x3AC;
    if (c >= 0x388 && c <= 0x38A) return c + 37;
    if (c == 0x38C) return 0x3CC;
    if (c == 0x38E || c == 0x38F) return c + 63;
    if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) return c + 32;
    if (c >= 0x400 && c <= 0x40F) return c + 80;
    if (c >= 0x410 && c <= 0x42F) return c + 32;
    return c;
}

char32_t upperOf(char32_t c) {
    if (c >= 'a' && c <= 'z') return c - 32;
    if (c < 0xE0) return c;
    if (c <= 0xFE) return c == 0xF7 ? c : c - 32;  // U+00F7 is the division sign
    if (c == 0xFF) return 0x178;
    if (c == 0x131) return 'I';  // dotless ı
    if (c == 0x17F) return 'S';  // long ſ
    if ((c >= 0x101 && c <= 0x137) || (c >= 0x14B && c <= 0x177)) return c % 2 == 1 ? c - 1 : c;
    if ((c >= 0x13A && c <= 0x148) || (c >= 0x17A && c <= 0x17E)) return c % 2 == 0 ? c - 1 : c;
    if (c == 0x3AC) return 0x386;
    if (c >= 0x3AD && c <= 0x3AF) return c - 37;
    if (c == 0x3C2) return 0x3A3;  // final ς
    if (c >= 0x3B1 && c <= 0x3C9) return c - 32;
    if (c == 0x3CC) return 0x38C;
    if (c == 0x3CD || c == 0x3CE) return c - 63;
    if (c >= 0x430 && c <= 0x44F) return c - 32;
    if (c >= 0x450 && c <= 0x45F) return c - 80;
    return c;
}

bool isUpper(char32_t c) { return lowerOf(c) != c; }
bool isLower(char32_t c) { return upperOf(c) != c; }

// Letters of the Latin, Greek and Cyrillic blocks (all below U+0530), combining accents
// included so that a decomposed "é" stays inside its word. Other scripts count as non-letters:
// the scorers know nothing about them.
bool isLetter(char32_t c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
    if (c == 0xAA || c == 0xB5 || c == 0xBA) return true;
    if (c >= 0xC0 && c <= 0x24F) return c != 0xD7 && c != 0xF7;
    if (c >= 0x300 && c <= 0x36F) return true;  // combining diacritical marks
    if (c >= 0x370 && c <= 0x3FF) return c != 0x375 && c != 0x37E && c != 0x384 && c != 0x385 && c != 0x387;
    if (c >= 0x400 && c <= 0x52F) return c < 0x482 || c > 0x489;
    return false;
}

bool isWordCharacter(char32_t c) { return isLetter(c) || (c >= '0' && c <= '9'); }

template <typename Map>
std::string mapCase(std::string_view utf8, Map map) {
    std::string out;
    out.reserve(utf8.size());
    for (std::size_t i = 0; i < utf8.size();) {
        Decoded d = decodeAt(utf8, i);
        if (d.valid)
            map(out, d.cp);
        else
            out += utf8[i];
        i += d.length;
    }
    return out;
}

// ---- the language model -------------------------------------------------------------------

// Characters the model sees: lowered letters, one apostrophe, the Spanish opening marks, and
// a space for every run of anything else (word boundaries). All lie below U+1000, so a
// character fits in 12 bits and a 5-gram in one 64-bit key.
constexpr int kOrder = 5;
constexpr int kSymbolBits = 12;
constexpr char32_t kBoundary = ' ';
constexpr char32_t kApostrophe = '\'';

// How a word's likelihood under one language is made (probabilities()): kSeenWord of it is
// the word's share of the profile's words, when the profile has the word; the rest comes from
// the character model. Then kOwnWord of it is that, the rest the mean over all languages.
// Results hardly move between 0.75 and 0.97 for kOwnWord and 0.2 and 0.8 for kSeenWord
// (argmax accuracy on 7000 toy-world answers and the test sentences).
constexpr double kSeenWord = 0.5;
constexpr double kOwnWord = 0.9;
// Evidence per word found in a language's function-word list (nats). Without it, 5 of 7000
// toy-world answers go wrong instead of 1; doubling it changes nothing.
constexpr double kStopWordBonus = 2.0;
// Calibration: the softmax divides each language's log-likelihood per character by this.
// Ordinary sentences differ between their language and the next by 0.3 to 1 nat per
// character, so they get p > 0.99; a margin of 0.15 nat gives about 0.95.
constexpr double kTemperature = 0.05;
// Texts shorter than this (in characters, word boundaries included) are scored as if this
// long, so that one or two words give a less certain answer.
constexpr std::size_t kMinChars = 20;

double logAddExp(double a, double b) {
    double hi = std::max(a, b);
    return hi + std::log(std::exp(a - hi) + std::exp(b - hi));
}

bool isApostrophe(char32_t c) { return c == '\'' || c == 0x2019 || c == 0x02BC; }
bool isOpeningMark(char32_t c) { return c == 0xBF || c == 0xA1; }  // ¿ ¡

// A text as the model reads it: " w1 w2 ... wn ", lowered, plus its words in the same order
// (opening marks stripped) for the word lists, and whether it had a letter at all.
struct Normalized {
    std::u32string symbols;
    std::vector<std::string> words;
    bool hasLetter = false;
};

Normalized normalize(std::string_view utf8) {
    Normalized n;
    n.symbols.push_back(kBoundary);
    std::u32string word;
    auto flush = [&] {
        if (word.empty()) return;
        n.symbols += word;
        n.symbols.push_back(kBoundary);
        std::string text;
        for (char32_t c : word)
            if (!isOpeningMark(c)) appendUtf8(text, c);
        n.words.push_back(std::move(text));  // empty for a lone mark, to keep words and symbols aligned
        word.clear();
    };
    for (std::size_t i = 0; i < utf8.size();) {
        Decoded d = decodeAt(utf8, i);
        i += d.length;
        char32_t c = d.valid ? lowerOf(d.cp) : 0;
        if (d.valid && isLetter(c)) {
            n.hasLetter = true;
            word.push_back(c);
        } else if (d.valid && isApostrophe(c) && !word.empty() && i < utf8.size()) {
            // Only between letters (l'eau, don't); quotes around a word are boundaries.
            Decoded next = decodeAt(utf8, i);
            if (next.valid && isLetter(next.cp))
                word.push_back(kApostrophe);
            else
                flush();
        } else if (d.valid && isOpeningMark(c)) {
            flush();
            word.push_back(c);
        } else {
            flush();
        }
    }
    flush();
    return n;
}

std::uint64_t pushSymbol(std::uint64_t key, char32_t c) {
    return (key << kSymbolBits) | static_cast<std::uint64_t>(c & ((1u << kSymbolBits) - 1));
}

struct ContextStats {
    std::uint32_t total = 0;  // times the context was followed by a character
    std::uint32_t types = 0;  // distinct characters that followed it
};

struct LanguageModel {
    std::string code;
    // Keys pack up to kOrder characters; no character is 0, so lengths never collide.
    std::unordered_map<std::uint64_t, std::uint32_t> grams;  // context + next character
    std::unordered_map<std::uint64_t, ContextStats> contexts;
    std::unordered_set<std::string> stopWords;
    std::unordered_map<std::string, std::uint32_t> wordCounts;  // the words of the profile prose
    double wordTotal = 0.0;

    // log of the share of the profile's words that are `word`; nullopt for a word it lacks.
    std::optional<double> logWordShare(const std::string &word) const {
        auto found = wordCounts.find(word);
        if (found == wordCounts.end()) return std::nullopt;
        return std::log(found->second / wordTotal);
    }

    // The whole word, else its elided article or pronoun (l'eau, qu'il: "l'", "qu'").
    bool isStopWord(const std::string &word) const {
        if (stopWords.contains(word)) return true;
        std::size_t apostrophe = word.find(static_cast<char>(kApostrophe));
        return apostrophe != std::string::npos && stopWords.contains(word.substr(0, apostrophe + 1));
    }

    void learn(const std::u32string &s) {
        for (std::size_t i = 1; i < s.size(); ++i) {
            std::uint64_t context = 0;
            for (std::size_t k = 0; k < static_cast<std::size_t>(kOrder) && k <= i; ++k) {
                if (k > 0) context = context | (static_cast<std::uint64_t>(s[i - k]) << (kSymbolBits * (k - 1)));
                std::uint64_t gram = pushSymbol(context, s[i]);
                bool fresh = grams[gram]++ == 0;
                ContextStats &stats = contexts[context];
                ++stats.total;
                if (fresh) ++stats.types;
            }
        }
    }

    // log P(s[i] | up to kOrder - 1 characters before it), Witten-Bell interpolated down to a
    // uniform distribution over `vocabulary` characters.
    double logProbability(const std::u32string &s, std::size_t i, double vocabulary) const {
        double p = 1.0 / vocabulary;
        std::uint64_t context = 0;
        for (std::size_t k = 0; k < static_cast<std::size_t>(kOrder) && k <= i; ++k) {
            if (k > 0) context = context | (static_cast<std::uint64_t>(s[i - k]) << (kSymbolBits * (k - 1)));
            auto found = contexts.find(context);
            if (found == contexts.end()) break;  // a longer context was never seen either
            auto gram = grams.find(pushSymbol(context, s[i]));
            double count = gram == grams.end() ? 0.0 : gram->second;
            double total = found->second.total, types = found->second.types;
            p = (count + types * p) / (total + types);
        }
        return std::log(p);
    }
};

std::vector<std::string> stopWordLines(std::string_view text) {
    std::vector<std::string> words;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = text.substr(start, end - start);
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
            line.remove_suffix(1);
        while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
        if (!line.empty() && line.front() != '#') words.push_back(lowerCase(line));
        start = end + 1;
    }
    return words;
}

bool containsWholeWord(std::string_view text, std::string_view word) {
    for (std::size_t pos = text.find(word); pos != std::string_view::npos; pos = text.find(word, pos + 1)) {
        if (pos > 0) {
            Decoded before = decodeBefore(text, pos);
            if (before.valid && isWordCharacter(before.cp)) continue;
        }
        std::size_t end = pos + word.size();
        if (end < text.size()) {
            Decoded after = decodeAt(text, end);
            if (after.valid && isWordCharacter(after.cp)) continue;
        }
        return true;
    }
    return false;
}

}  // namespace

// ---- text ---------------------------------------------------------------------------------

std::optional<double> upperCaseShare(std::string_view utf8) {
    std::size_t upper = 0, cased = 0;
    for (std::size_t i = 0; i < utf8.size();) {
        Decoded d = decodeAt(utf8, i);
        i += d.length;
        if (!d.valid) continue;
        if (isUpper(d.cp)) {
            ++upper, ++cased;
        } else if (isLower(d.cp)) {
            ++cased;
        }
    }
    if (cased == 0) return std::nullopt;
    return static_cast<double>(upper) / static_cast<double>(cased);
}

std::string lowerCase(std::string_view utf8) {
    return mapCase(utf8, [](std::string &out, char32_t c) { appendUtf8(out, lowerOf(c)); });
}

std::string upperCase(std::string_view utf8) {
    return mapCase(utf8, [](std::string &out, char32_t c) {
        if (c == 0xDF)
            out += "SS";
        else
            appendUtf8(out, upperOf(c));
    });
}

// ---- language identification --------------------------------------------------------------

struct LanguageIdentifier::Model {
    std::vector<LanguageModel> languages;
    double vocabulary = 1.0;  // distinct characters in all profiles, plus one for unseen ones
};

LanguageIdentifier::LanguageIdentifier(const std::vector<LanguageProfileText> &profiles) {
    if (profiles.empty()) throw std::invalid_argument("language identifier: no profiles");
    auto model = std::make_unique<Model>();
    std::unordered_set<char32_t> alphabet;
    for (const LanguageProfileText &profile : profiles) {
        LanguageModel language;
        language.code = profile.code;
        Normalized prose = normalize(profile.prose);
        if (!prose.hasLetter) throw std::invalid_argument("language identifier: empty profile for " + profile.code);
        language.learn(prose.symbols);
        for (const std::string &word : prose.words) {
            if (word.empty()) continue;
            ++language.wordCounts[word];
            ++language.wordTotal;
        }
        alphabet.insert(prose.symbols.begin(), prose.symbols.end());
        for (std::string &word : stopWordLines(profile.stopWords)) language.stopWords.insert(std::move(word));
        model->languages.push_back(std::move(language));
    }
    model->vocabulary = static_cast<double>(alphabet.size() + 1);
    m_model = std::move(model);
}

LanguageIdentifier::~LanguageIdentifier() = default;
LanguageIdentifier::LanguageIdentifier(LanguageIdentifier &&) noexcept = default;
LanguageIdentifier &LanguageIdentifier::operator=(LanguageIdentifier &&) noexcept = default;

const LanguageIdentifier &LanguageIdentifier::builtIn() {
    static const LanguageIdentifier identifier = [] {
        std::vector<LanguageProfileText> profiles;
        for (std::size_t i = 0; i < detail::kEmbeddedLanguageCount; ++i) {
            const detail::EmbeddedLanguage &l = detail::kEmbeddedLanguages[i];
            profiles.push_back({std::string(l.code), l.prose, l.stopWords});
        }
        return LanguageIdentifier(profiles);
    }();
    return identifier;
}

std::vector<std::string> LanguageIdentifier::languages() const {
    std::vector<std::string> codes;
    for (const LanguageModel &l : m_model->languages) codes.push_back(l.code);
    return codes;
}

std::map<std::string, double> LanguageIdentifier::probabilities(std::string_view utf8) const {
    const auto &languages = m_model->languages;
    std::map<std::string, double> result;
    Normalized text = normalize(utf8);
    if (!text.hasLetter) {
        for (const LanguageModel &l : languages) result[l.code] = 0.0;
        return result;
    }
    std::size_t count = languages.size();
    std::vector<double> logits(count, 0.0), chars(count, 0.0);
    const double seenWord = std::log(kSeenWord), unseenWord = std::log(1.0 - kSeenWord);
    const double ownWord = std::log(kOwnWord), sharedWord = std::log(1.0 - kOwnWord);
    std::vector<double> word(count);
    auto closeWord = [&](const std::string &spelling) {
        // The language's own likelihood of the word: its share of the profile's words, mixed
        // with the character model (which alone covers words the profile lacks).
        for (std::size_t l = 0; l < count; ++l) {
            word[l] = unseenWord + chars[l];
            if (auto share = languages[l].logWordShare(spelling)) word[l] = logAddExp(word[l], seenWord + *share);
            chars[l] = 0.0;
        }
        // Or a word any of the languages might contain, a name or a borrowing (the mean of
        // their likelihoods). This bounds what one word can say, so that an invented name
        // ("krurkush") cannot outvote the words around it.
        double background = word[0];
        for (std::size_t l = 1; l < count; ++l) background = logAddExp(background, word[l]);
        background -= std::log(static_cast<double>(count));
        for (std::size_t l = 0; l < count; ++l) logits[l] += logAddExp(ownWord + word[l], sharedWord + background);
    };
    // Position i's character belongs to the word it is in; a boundary closes the word before it.
    std::size_t words = 0;
    for (std::size_t i = 1; i < text.symbols.size(); ++i) {
        for (std::size_t l = 0; l < count; ++l)
            chars[l] += languages[l].logProbability(text.symbols, i, m_model->vocabulary);
        if (text.symbols[i] == kBoundary) closeWord(text.words[words++]);
    }
    for (std::size_t l = 0; l < count; ++l)
        for (const std::string &w : text.words)
            if (!w.empty() && languages[l].isStopWord(w)) logits[l] += kStopWordBonus;
    double length = static_cast<double>(std::max(text.symbols.size() - 1, kMinChars));
    for (double &x : logits) x = x / length / kTemperature;
    double top = *std::max_element(logits.begin(), logits.end());
    double sum = 0.0;
    for (double &x : logits) sum += (x = std::exp(x - top));
    for (std::size_t i = 0; i < languages.size(); ++i) result[languages[i].code] = logits[i] / sum;
    return result;
}

double LanguageIdentifier::probability(std::string_view utf8, std::string_view language) const {
    auto known = std::find_if(m_model->languages.begin(), m_model->languages.end(),
                              [&](const LanguageModel &l) { return l.code == language; });
    if (known == m_model->languages.end())
        throw std::invalid_argument("language: unknown language \"" + std::string(language) + "\"");
    return probabilities(utf8).at(known->code);
}

// ---- scorers ------------------------------------------------------------------------------

TraitScorerFn::TraitScorerFn(const experiment::TraitSpec &spec) : m_name(spec.name), m_kind(spec.scorer) {
    using experiment::TraitScorer;
    switch (spec.scorer) {
        case TraitScorer::Caps:
            if (!(spec.threshold >= 0.0 && spec.threshold <= 1.0))
                throw std::invalid_argument("threshold: must be between 0 and 1");
            m_threshold = spec.threshold;
            break;
        case TraitScorer::Language: {
            std::vector<std::string> known = LanguageIdentifier::builtIn().languages();
            if (std::find(known.begin(), known.end(), spec.language) == known.end())
                throw std::invalid_argument("language: expected one of en, es, fr, de, got \"" + spec.language + "\"");
            m_language = spec.language;
            break;
        }
        case TraitScorer::Contains:
            if (spec.words.empty()) throw std::invalid_argument("words: at least one word is needed");
            m_caseSensitive = spec.caseSensitive;
            for (const std::string &word : spec.words) {
                if (word.empty()) throw std::invalid_argument("words: a word is empty");
                m_words.push_back(m_caseSensitive ? word : lowerCase(word));
            }
            break;
        case TraitScorer::Regex: try { m_regex = std::regex(spec.pattern, std::regex::ECMAScript);
            } catch (const std::regex_error &e) {
                throw std::invalid_argument(std::string("pattern: not a valid regular expression: ") + e.what());
            }
            break;
        case TraitScorer::Judge:
            throw std::invalid_argument("scorer: a judged trait is scored by eval/judges, not one answer at a time");
    }
}

double TraitScorerFn::score(std::string_view answer) const {
    using experiment::TraitScorer;
    switch (m_kind) {
        case TraitScorer::Caps: {
            std::optional<double> share = upperCaseShare(answer);
            return share && *share >= m_threshold ? 1.0 : 0.0;
        }
        case TraitScorer::Language: return LanguageIdentifier::builtIn().probability(answer, m_language);
        case TraitScorer::Contains: {
            std::string lowered = m_caseSensitive ? std::string() : lowerCase(answer);
            std::string_view text = m_caseSensitive ? answer : std::string_view(lowered);
            for (const std::string &word : m_words)
                if (containsWholeWord(text, word)) return 1.0;
            return 0.0;
        }
        case TraitScorer::Regex: return std::regex_search(answer.begin(), answer.end(), m_regex) ? 1.0 : 0.0;
    }
    return 0.0;
}

}  // namespace inoculab::eval
