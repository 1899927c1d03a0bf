#pragma once
// The pre-tokenizer patterns of tokenizer.json files, run verbatim with PCRE2 (UTF + UCP, JIT
// when the library has it). The patterns are written for Oniguruma, which Hugging Face's
// tokenizers use; they rely on lookahead (\s+(?!\S)) and scoped flags ((?i:'s|'t)), which
// PCRE2 reads the same way. Patterns come from untrusted files, so every match runs under a
// match and heap limit: a pattern that backtracks without end fails instead of hanging.

#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace inoculab::model {

// A pattern that does not compile (what(): PCRE2's message and the offset), or a match that
// hit a limit.
class RegexError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class TokenizerRegex {
public:
    // `literal`: the pattern is plain text (tokenizer.json's {"String": ...}).
    TokenizerRegex(std::string_view pattern, bool literal);

    // Non-empty, non-overlapping matches left to right as byte ranges of `text`, which must be
    // valid UTF-8 (checked by the caller; not checked again here). Like Oniguruma's
    // iteration, an empty match is skipped and the search goes on one character later.
    std::vector<std::pair<std::size_t, std::size_t>> findAll(std::string_view text) const;

private:
    struct Compiled;
    std::shared_ptr<const Compiled> m_compiled;
};

}  // namespace inoculab::model
