#pragma once
// The prompt library kept in a results store: candidate inoculation prompts with tags and
// notes, edited in the GUI's Prompts workspace.

#include "store/results_store.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace inoculab::store {

// The tags the workbench offers (PAPER.md's kinds of prompt); others are allowed.
inline constexpr std::string_view kPromptTags[] = {"inoculation", "control", "negated", "placebo"};

struct PromptRecord {
    std::int64_t id = 0;  // 0: not stored yet
    std::string text;
    std::vector<std::string> tags;  // sorted, distinct
    std::string notes;
    std::string updatedAt;  // ISO 8601, set by the store
};

// The first problem with a prompt ("text: must not be empty"), naming the field.
std::optional<std::string> checkPrompt(const PromptRecord &prompt);

// All prompts, oldest first.
std::vector<PromptRecord> listPrompts(ResultsStore &store);
std::optional<PromptRecord> findPrompt(ResultsStore &store, std::int64_t id);
// Inserts (id 0) or updates; returns the id. Throws std::invalid_argument (checkPrompt) or
// StoreError (an id that is not there).
std::int64_t savePrompt(ResultsStore &store, const PromptRecord &prompt);
// A copy with the same text, tags and notes; returns its id.
std::int64_t duplicatePrompt(ResultsStore &store, std::int64_t id);
void deletePrompt(ResultsStore &store, std::int64_t id);

}  // namespace inoculab::store
