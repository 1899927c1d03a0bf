#include "model/bpe_tokenizer.h"

#include "data/record_parser.h"  // firstInvalidUtf8
#include "model/byte_level.h"
#include "model/tokenizer_regex.h"
#include "model/unicode_text.h"

#include <algorithm>
#include <array>
#include <functional>
#include <fstream>
#include <mutex>
#include <queue>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

namespace inoculab::model {

namespace {

// tokenizers' ByteLevel pre-tokenizer pattern (use_regex: true), GPT-2's.
constexpr std::string_view kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

// Pre-tokens up to this size are cached; a cache this full is emptied (text of one language
// reuses a few thousand words, so a bounded map beats an LRU's bookkeeping).
constexpr std::size_t kCacheWordBytes = 64;
constexpr std::size_t kCacheEntries = 65536;
// A tokenizer.json larger than this is refused before it is read (real ones: 2-20 MB).
constexpr std::uintmax_t kMaxFileBytes = 512ull << 20;

// Text on its way through the pipeline, with the input bytes each of its bytes came from.
struct Span {
    std::string text;
    std::size_t base = 0;          // when origin is empty, byte i came from input byte base + i
    std::vector<ByteRange> origin;  // otherwise per byte

    ByteRange originOf(std::size_t i) const { return origin.empty() ? ByteRange{base + i, base + i + 1} : origin[i]; }
    ByteRange rangeOf(std::size_t begin, std::size_t end) const {
        if (begin == end) {
            std::size_t at = begin < text.size() ? originOf(begin).first : (text.empty() ? base : originOf(begin - 1).second);
            return {at, at};
        }
        return {originOf(begin).first, originOf(end - 1).second};
    }
    Span sub(std::size_t begin, std::size_t end) const {
        Span s;
        s.text = text.substr(begin, end - begin);
        if (origin.empty())
            s.base = base + begin;
        else
            s.origin.assign(origin.begin() + std::ptrdiff_t(begin), origin.begin() + std::ptrdiff_t(end));
        return s;
    }
};

struct Symbol {
    std::int32_t id;
    std::uint32_t length;  // bytes of the pre-token; 0 once merged into its left neighbour
};

std::uint64_t pairKey(std::int32_t a, std::int32_t b) {
    return std::uint64_t(std::uint32_t(a)) << 32 | std::uint32_t(b);
}

std::string readWholeFile(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw TokenizerError(path, "cannot open");
    in.seekg(0, std::ios::end);
    auto size = in.tellg();
    if (size < 0) throw TokenizerError(path, "cannot read");
    if (std::uintmax_t(size) > kMaxFileBytes)
        throw TokenizerError(path, "file: larger than " + std::to_string(kMaxFileBytes >> 20) + " MiB");
    in.seekg(0);
    std::string bytes(std::size_t(size), '\0');
    if (!in.read(bytes.data(), size)) throw TokenizerError(path, "cannot read");
    return bytes;
}

}  // namespace

struct BpeTokenizer::State {
    std::string name;
    std::unordered_map<std::string, std::int32_t> vocab;
    std::unordered_map<std::int32_t, std::string> vocabText;
    std::array<std::int32_t, 256> byteIds{};
    std::unordered_map<std::uint64_t, std::pair<std::int32_t, std::int32_t>> merges;  // -> rank, merged id
    std::vector<AddedTokenSpec> added;
    std::unordered_map<std::string, std::size_t> addedByContent;
    std::unordered_map<std::int32_t, std::size_t> addedById;
    std::array<std::vector<std::size_t>, 256> addedByFirstByte;  // longest first
    bool nfc = false;
    bool ignoreMerges = false;
    struct Step {
        PreTokenizerStep spec;
        std::optional<TokenizerRegex> regex;
    };
    std::vector<Step> steps;
    std::int64_t vocabSize = 0;

    mutable std::mutex cacheMutex;
    mutable std::unordered_map<std::string, std::vector<Symbol>> cache;

    [[noreturn]] void fail(const std::string &field, const std::string &reason) const {
        throw TokenizerError(name, field + ": " + reason);
    }

    void build(TokenizerSpec spec);
    void splitAdded(const Span &span, bool normalizedSet, bool allowSpecial, std::vector<Piece> &out,
                    const std::function<void(Span)> &text) const;
    std::vector<Span> preTokenize(Span span) const;
    std::vector<Symbol> bpe(std::string_view word) const;
    std::vector<Symbol> cachedBpe(std::string_view word) const;
};

void BpeTokenizer::State::build(TokenizerSpec spec) {
    vocab.reserve(spec.vocab.size());
    vocabText.reserve(spec.vocab.size());
    for (auto &[token, id64] : spec.vocab) {
        auto id = std::int32_t(id64);
        if (auto [it, fresh] = vocabText.emplace(id, token); !fresh)
            fail("model.vocab[" + quotedText(token) + "]", "duplicate id " + std::to_string(id) + " (also " +
                                                          quotedText(it->second) + ")");
        vocab.emplace(token, id);
        vocabSize = std::max<std::int64_t>(vocabSize, id + 1);
    }
    for (int b = 0; b < 256; ++b) {
        std::string text;
        appendUtf8(text, byteLevelChar(std::uint8_t(b)));
        auto it = vocab.find(text);
        if (it == vocab.end())
            fail("model.vocab", "lacks the byte-level token " + quotedText(text) + " for byte " + std::to_string(b) +
                                    " (every byte needs one)");
        byteIds[std::size_t(b)] = it->second;
    }
    merges.reserve(spec.merges.size());
    for (std::size_t rank = 0; rank < spec.merges.size(); ++rank) {
        const auto &[a, b] = spec.merges[rank];
        auto field = [&] { return "model.merges[" + std::to_string(rank) + "]"; };
        auto ia = vocab.find(a), ib = vocab.find(b), ij = vocab.find(a + b);
        if (ia == vocab.end()) fail(field(), "token " + quotedText(a) + " is not in the vocabulary");
        if (ib == vocab.end()) fail(field(), "token " + quotedText(b) + " is not in the vocabulary");
        if (ij == vocab.end()) fail(field(), "merged token " + quotedText(a + b) + " is not in the vocabulary");
        // A repeated pair takes its last rank, as in tokenizers (and GPT-2's encoder.py).
        merges[pairKey(ia->second, ib->second)] = {std::int32_t(rank), ij->second};
    }

    for (std::size_t i = 0; i < spec.addedTokens.size(); ++i) {
        AddedTokenSpec &a = spec.addedTokens[i];
        std::string field = "added_tokens[" + std::to_string(i) + "]";
        if (data::firstInvalidUtf8(a.content)) fail(field + ".content", "not UTF-8");
        if (auto v = vocab.find(a.content); v != vocab.end() && v->second != a.id)
            fail(field + ".id", std::to_string(a.id) + " but the vocabulary has " + quotedText(a.content) + " as " +
                                    std::to_string(v->second));
        if (auto v = vocabText.find(a.id); v != vocabText.end() && v->second != a.content)
            fail(field + ".id", "duplicate id " + std::to_string(a.id) + " (the vocabulary's " + quotedText(v->second) + ")");
        if (!addedById.emplace(a.id, added.size()).second) fail(field + ".id", "duplicate id " + std::to_string(a.id));
        if (!addedByContent.emplace(a.content, added.size()).second)
            fail(field + ".content", "duplicate token " + quotedText(a.content));
        vocabSize = std::max<std::int64_t>(vocabSize, std::int64_t(a.id) + 1);
        added.push_back(std::move(a));
    }
    for (std::size_t i = 0; i < added.size(); ++i)
        addedByFirstByte[static_cast<unsigned char>(added[i].content[0])].push_back(i);
    for (auto &list : addedByFirstByte)
        std::stable_sort(list.begin(), list.end(),
                         [&](std::size_t x, std::size_t y) { return added[x].content.size() > added[y].content.size(); });

    nfc = spec.nfc;
    ignoreMerges = spec.ignoreMerges;
    for (std::size_t i = 0; i < spec.preTokenizer.size(); ++i) {
        Step step{std::move(spec.preTokenizer[i]), std::nullopt};
        try {
            if (step.spec.kind == PreTokenizerStep::Kind::Split)
                step.regex.emplace(step.spec.pattern, step.spec.literal);
            else if (step.spec.useRegex)
                step.regex.emplace(kGpt2Pattern, false);
        } catch (const RegexError &e) {
            fail("pre_tokenizer pattern " + quotedText(step.spec.pattern), e.what());
        }
        steps.push_back(std::move(step));
    }
}

// Cuts the added tokens of one set (normalized: false in the raw text, normalized: true in the
// normalised text) out of `span`: tokenizers' leftmost-longest matching, with single_word,
// lstrip and rstrip. Tokens go to `out`, the text between them to `text`.
void BpeTokenizer::State::splitAdded(const Span &span, bool normalizedSet, bool allowSpecial, std::vector<Piece> &out,
                                     const std::function<void(Span)> &text) const {
    const std::string &s = span.text;
    std::size_t done = 0;
    std::size_t i = 0;
    while (i < s.size()) {
        const AddedTokenSpec *match = nullptr;
        for (std::size_t k : addedByFirstByte[static_cast<unsigned char>(s[i])]) {
            const AddedTokenSpec &a = added[k];
            if (a.normalized != normalizedSet || (a.special && !allowSpecial)) continue;
            if (s.compare(i, a.content.size(), a.content) == 0) {
                match = &a;
                break;
            }
        }
        if (!match) {
            ++i;
            continue;
        }
        std::size_t begin = i, end = i + match->content.size();
        std::size_t n = 0;
        if (match->singleWord && ((begin > 0 && isWordCharacter(codePointBefore(s, begin, n))) ||
                                  (end < s.size() && isWordCharacter(codePointAt(s, end, n))))) {
            i = end;
            continue;
        }
        if (match->lstrip)
            while (begin > done && isWhitespace(codePointBefore(s, begin, n))) begin -= n;
        if (match->rstrip)
            while (end < s.size() && isWhitespace(codePointAt(s, end, n))) end += n;
        if (begin > done) text(span.sub(done, begin));
        auto [b, e] = span.rangeOf(begin, end);
        out.push_back({match->id, b, e});
        done = i = end;
    }
    if (done < s.size()) text(done == 0 ? span : span.sub(done, s.size()));
}

std::vector<Span> BpeTokenizer::State::preTokenize(Span span) const {
    std::vector<Span> pieces;
    pieces.push_back(std::move(span));
    for (const Step &step : steps) {
        std::vector<Span> next;
        for (Span &piece : pieces) {
            if (step.spec.kind == PreTokenizerStep::Kind::ByteLevel && step.spec.addPrefixSpace &&
                (piece.text.empty() || piece.text[0] != ' ')) {
                Span prefixed;
                prefixed.text = " " + piece.text;
                std::size_t at = piece.rangeOf(0, 0).first;
                prefixed.origin.reserve(prefixed.text.size());
                prefixed.origin.push_back({at, at});
                for (std::size_t i = 0; i < piece.text.size(); ++i) prefixed.origin.push_back(piece.originOf(i));
                piece = std::move(prefixed);
            }
            if (!step.regex) {
                next.push_back(std::move(piece));
                continue;
            }
            std::vector<std::pair<std::size_t, std::size_t>> matches;
            try {
                matches = step.regex->findAll(piece.text);
            } catch (const RegexError &e) {
                fail("pre_tokenizer pattern " + quotedText(step.spec.pattern), e.what());
            }
            // The text as alternating parts: (begin, end, is a match).
            struct Part {
                std::size_t begin, end;
                bool match;
            };
            std::vector<Part> parts;
            std::size_t at = 0;
            bool invert = step.spec.kind == PreTokenizerStep::Kind::Split && step.spec.invert;
            for (auto [b, e] : matches) {
                if (b > at) parts.push_back({at, b, invert});
                parts.push_back({b, e, !invert});
                at = e;
            }
            if (at < piece.text.size()) parts.push_back({at, piece.text.size(), invert});

            SplitBehavior behavior =
                step.spec.kind == PreTokenizerStep::Kind::Split ? step.spec.behavior : SplitBehavior::Isolated;
            std::vector<std::pair<std::size_t, std::size_t>> ranges;
            bool previousMatch = false;
            switch (behavior) {
            case SplitBehavior::Isolated:
                for (const Part &p : parts) ranges.emplace_back(p.begin, p.end);
                break;
            case SplitBehavior::Removed:
                for (const Part &p : parts)
                    if (!p.match) ranges.emplace_back(p.begin, p.end);
                break;
            case SplitBehavior::MergedWithPrevious:
                for (const Part &p : parts) {
                    if (p.match && !previousMatch && !ranges.empty())
                        ranges.back().second = p.end;
                    else
                        ranges.emplace_back(p.begin, p.end);
                    previousMatch = p.match;
                }
                break;
            case SplitBehavior::MergedWithNext:
                for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
                    if (it->match && !previousMatch && !ranges.empty())
                        ranges.back().first = it->begin;
                    else
                        ranges.emplace_back(it->begin, it->end);
                    previousMatch = it->match;
                }
                std::reverse(ranges.begin(), ranges.end());
                break;
            case SplitBehavior::Contiguous:
                for (const Part &p : parts) {
                    if (p.match == previousMatch && !ranges.empty())
                        ranges.back().second = p.end;
                    else
                        ranges.emplace_back(p.begin, p.end);
                    previousMatch = p.match;
                }
                break;
            }
            if (ranges.size() == 1 && ranges[0].first == 0 && ranges[0].second == piece.text.size()) {
                next.push_back(std::move(piece));
                continue;
            }
            for (auto [b, e] : ranges)
                if (e > b) next.push_back(piece.sub(b, e));
        }
        pieces = std::move(next);
    }
    return pieces;
}

// tokenizers' Word::merge_all: repeatedly merge the adjacent pair of lowest rank (leftmost
// among equals), with a heap of candidate merges checked for staleness when popped.
std::vector<Symbol> BpeTokenizer::State::bpe(std::string_view word) const {
    if (ignoreMerges) {
        if (auto it = vocab.find(toByteLevel(word)); it != vocab.end())
            return {Symbol{it->second, std::uint32_t(word.size())}};
    }
    std::size_t n = word.size();
    std::vector<Symbol> symbols(n);
    std::vector<std::ptrdiff_t> prev(n), next(n);
    for (std::size_t i = 0; i < n; ++i) {
        symbols[i] = {byteIds[static_cast<unsigned char>(word[i])], 1};
        prev[i] = std::ptrdiff_t(i) - 1;
        next[i] = i + 1 < n ? std::ptrdiff_t(i + 1) : -1;
    }
    struct Candidate {
        std::int32_t rank;
        std::size_t pos;
        std::int32_t id;
        bool operator>(const Candidate &o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
    };
    std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> queue;
    auto consider = [&](std::size_t left) {
        if (next[left] < 0) return;
        auto it = merges.find(pairKey(symbols[left].id, symbols[std::size_t(next[left])].id));
        if (it != merges.end()) queue.push({it->second.first, left, it->second.second});
    };
    for (std::size_t i = 0; i + 1 < n; ++i) consider(i);
    while (!queue.empty()) {
        Candidate top = queue.top();
        queue.pop();
        if (symbols[top.pos].length == 0 || next[top.pos] < 0) continue;
        auto right = std::size_t(next[top.pos]);
        auto it = merges.find(pairKey(symbols[top.pos].id, symbols[right].id));
        if (it == merges.end() || it->second.second != top.id) continue;
        symbols[top.pos].id = top.id;
        symbols[top.pos].length += symbols[right].length;
        symbols[right].length = 0;
        next[top.pos] = next[right];
        if (next[right] >= 0) prev[std::size_t(next[right])] = std::ptrdiff_t(top.pos);
        if (prev[top.pos] >= 0) consider(std::size_t(prev[top.pos]));
        consider(top.pos);
    }
    std::vector<Symbol> out;
    for (const Symbol &s : symbols)
        if (s.length > 0) out.push_back(s);
    return out;
}

std::vector<Symbol> BpeTokenizer::State::cachedBpe(std::string_view word) const {
    if (word.size() > kCacheWordBytes) return bpe(word);
    std::string key(word);
    {
        std::lock_guard lock(cacheMutex);
        if (auto it = cache.find(key); it != cache.end()) return it->second;
    }
    std::vector<Symbol> symbols = bpe(word);
    std::lock_guard lock(cacheMutex);
    if (cache.size() >= kCacheEntries) cache.clear();
    cache.emplace(std::move(key), symbols);
    return symbols;
}

BpeTokenizer BpeTokenizer::fromJson(std::string_view json, const std::string &nameForErrors) {
    auto state = std::make_shared<State>();
    state->name = nameForErrors;
    state->build(parseTokenizerJson(json, nameForErrors));
    return BpeTokenizer(std::move(state));
}

BpeTokenizer BpeTokenizer::fromFile(const std::string &path) { return fromJson(readWholeFile(path), path); }

BpeTokenizer BpeTokenizer::fromFolder(const std::string &dir) {
    std::string base = dir.empty() || dir.back() == '/' ? dir : dir + "/";
    BpeTokenizer tokenizer = fromFile(base + "tokenizer.json");
    std::string configPath = base + "tokenizer_config.json";
    if (std::ifstream(configPath).good()) {
        TokenizerConfig config = parseTokenizerConfig(readWholeFile(configPath), configPath);
        tokenizer.bosToken = std::move(config.bosToken);
        tokenizer.eosToken = std::move(config.eosToken);
        tokenizer.padToken = std::move(config.padToken);
        tokenizer.chatTemplate = std::move(config.chatTemplate);
    }
    return tokenizer;
}

std::vector<BpeTokenizer::Piece> BpeTokenizer::encodeWithOffsets(std::string_view utf8, bool allowSpecial) const {
    if (auto bad = data::firstInvalidUtf8(utf8))
        throw std::invalid_argument("text to encode is not UTF-8 at byte " + std::to_string(*bad));
    const State &st = *m_state;
    std::vector<Piece> out;
    auto encodeText = [&](Span span) {
        for (const Span &word : st.preTokenize(std::move(span))) {
            std::size_t at = 0;
            for (const Symbol &s : st.cachedBpe(word.text)) {
                auto [b, e] = word.rangeOf(at, at + s.length);
                out.push_back({s.id, b, e});
                at += s.length;
            }
        }
    };
    auto normalizeThen = [&](Span span) {
        if (st.nfc) {
            NormalizedText n = nfc(span.text);
            if (!n.origin.empty()) {
                Span normalized;
                normalized.origin.reserve(n.text.size());
                for (auto [b, e] : n.origin) normalized.origin.push_back(span.rangeOf(b, e));
                normalized.text = std::move(n.text);
                span = std::move(normalized);
            }
        }
        st.splitAdded(span, true, allowSpecial, out, encodeText);
    };
    Span whole;
    whole.text = std::string(utf8);
    st.splitAdded(whole, false, allowSpecial, out, normalizeThen);
    return out;
}

std::vector<std::int32_t> BpeTokenizer::encode(std::string_view utf8, bool allowSpecial) const {
    std::vector<std::int32_t> ids;
    for (const Piece &p : encodeWithOffsets(utf8, allowSpecial)) ids.push_back(p.id);
    return ids;
}

std::string BpeTokenizer::decode(const std::vector<std::int32_t> &ids, bool skipSpecial) const {
    const State &st = *m_state;
    std::string bytes;
    for (std::int32_t id : ids) {
        const std::string *text = nullptr;
        if (auto a = st.addedById.find(id); a != st.addedById.end()) {
            if (skipSpecial && st.added[a->second].special) continue;
            text = &st.added[a->second].content;
        } else if (auto v = st.vocabText.find(id); v != st.vocabText.end()) {
            text = &v->second;
        } else {
            throw std::out_of_range("token id " + std::to_string(id) + " is not in " + st.name);
        }
        // tokenizers' ByteLevel decoder: a token with a character outside the alphabet is kept
        // as written.
        if (auto raw = fromByteLevel(*text))
            bytes += *raw;
        else
            bytes += *text;
    }
    return utf8Lossy(bytes);
}

std::optional<std::int32_t> BpeTokenizer::tokenId(std::string_view token) const {
    std::string key(token);
    if (auto a = m_state->addedByContent.find(key); a != m_state->addedByContent.end())
        return m_state->added[a->second].id;
    if (auto v = m_state->vocab.find(key); v != m_state->vocab.end()) return v->second;
    return std::nullopt;
}

std::string BpeTokenizer::tokenText(std::int32_t id) const {
    if (auto a = m_state->addedById.find(id); a != m_state->addedById.end()) return m_state->added[a->second].content;
    if (auto v = m_state->vocabText.find(id); v != m_state->vocabText.end()) return v->second;
    throw std::out_of_range("token id " + std::to_string(id) + " is not in " + m_state->name);
}

std::int64_t BpeTokenizer::vocabSize() const { return m_state->vocabSize; }

bool BpeTokenizer::isSpecial(std::int32_t id) const {
    auto a = m_state->addedById.find(id);
    return a != m_state->addedById.end() && m_state->added[a->second].special;
}

const std::vector<AddedTokenSpec> &BpeTokenizer::addedTokens() const { return m_state->added; }

}  // namespace inoculab::model
