#define PCRE2_CODE_UNIT_WIDTH 8
#include "model/tokenizer_regex.h"

#include <pcre2.h>

#include <algorithm>
#include <cstdint>

namespace inoculab::model {

namespace {

// Generous for real patterns on megabytes of text (each match is short), small enough that a
// catastrophically backtracking pattern gives up within a second or so.
constexpr std::uint32_t kMatchLimit = 50'000'000;
constexpr std::uint32_t kHeapLimitKiB = 64 * 1024;
constexpr std::size_t kJitStackMax = 4 * 1024 * 1024;

std::string pcreMessage(int code) {
    PCRE2_UCHAR buffer[256];
    if (pcre2_get_error_message(code, buffer, sizeof buffer) < 0) return "PCRE2 error " + std::to_string(code);
    return reinterpret_cast<const char *>(buffer);
}

}  // namespace

struct TokenizerRegex::Compiled {
    pcre2_code *code = nullptr;
    bool jit = false;
    ~Compiled() { pcre2_code_free(code); }
};

TokenizerRegex::TokenizerRegex(std::string_view pattern, bool literal) {
    int error = 0;
    PCRE2_SIZE errorOffset = 0;
    // \C matches one byte of a character: pieces split inside characters would break the UTF-8
    // the next steps rely on. PCRE2_LITERAL admits UTF but not UCP (which only changes
    // classes, and a literal has none).
    std::uint32_t options = PCRE2_UTF | (literal ? PCRE2_LITERAL : PCRE2_UCP | PCRE2_NEVER_BACKSLASH_C);
    auto compiled = std::make_shared<Compiled>();
    compiled->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), options, &error,
                                   &errorOffset, nullptr);
    if (!compiled->code)
        throw RegexError(pcreMessage(error) + " at offset " + std::to_string(errorOffset));
    // Without JIT support (or with it refused, e.g. no executable memory) matching still works,
    // only slower.
    compiled->jit = pcre2_jit_compile(compiled->code, PCRE2_JIT_COMPLETE) == 0;
    m_compiled = std::move(compiled);
}

std::vector<std::pair<std::size_t, std::size_t>> TokenizerRegex::findAll(std::string_view text) const {
    std::vector<std::pair<std::size_t, std::size_t>> out;
    // Per thread, so that one tokenizer can encode on several threads at once, and made once:
    // creating a JIT stack maps memory, which costs more than matching a line.
    struct Scratch {
        std::unique_ptr<pcre2_match_data, decltype(&pcre2_match_data_free)> data{pcre2_match_data_create(1, nullptr),
                                                                                  &pcre2_match_data_free};
        std::unique_ptr<pcre2_match_context, decltype(&pcre2_match_context_free)> context{
            pcre2_match_context_create(nullptr), &pcre2_match_context_free};
        std::unique_ptr<pcre2_jit_stack, decltype(&pcre2_jit_stack_free)> stack{
            pcre2_jit_stack_create(32 * 1024, kJitStackMax, nullptr), &pcre2_jit_stack_free};
        Scratch() {
            if (!data || !context) throw std::bad_alloc();
            pcre2_set_match_limit(context.get(), kMatchLimit);
            pcre2_set_heap_limit(context.get(), kHeapLimitKiB);
            // Without a stack of its own, JIT code runs on a 32 KiB one on the machine stack.
            if (stack) pcre2_jit_stack_assign(context.get(), nullptr, stack.get());
        }
    };
    thread_local Scratch scratch;
    pcre2_match_data *data = scratch.data.get();
    pcre2_match_context *context = scratch.context.get();
    auto subject = reinterpret_cast<PCRE2_SPTR>(text.data());
    std::size_t at = 0;
    while (at <= text.size()) {
        int rc = pcre2_match(m_compiled->code, subject, text.size(), at, PCRE2_NO_UTF_CHECK, data, context);
        if (rc == PCRE2_ERROR_NOMATCH) break;
        if (rc < 0) throw RegexError("pattern failed on the text: " + pcreMessage(rc));
        PCRE2_SIZE *ovector = pcre2_get_ovector_pointer(data);
        std::size_t begin = ovector[0], end = ovector[1];
        // \K in a lookbehind can report a match that ends before it starts; it matches nothing.
        if (end > begin && begin >= at && end <= text.size()) {
            out.emplace_back(begin, end);
            at = end;
            continue;
        }
        // Empty match: go on after the character at the match position.
        std::size_t next = std::max(begin, at);
        if (next >= text.size()) break;
        ++next;
        while (next < text.size() && (static_cast<unsigned char>(text[next]) & 0xC0) == 0x80) ++next;
        at = next;
    }
    return out;
}

}  // namespace inoculab::model
