#pragma once
// Inoculation transforms: add a prompt that elicits the unwanted trait to training rows,
// either as a system message (Tan et al.) or around the user turn (Wichers et al.).

#include "data/chat_render.h"
#include "data/conversation.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace inoculab::data {

enum class Placement { System, UserPrefix, UserSuffix };
// What a `system` placement does with a row that already has a system message.
enum class OnExistingSystem { Error, Replace, Prepend, Skip };
enum class TurnScope { First, All };

struct InoculationOptions {
    std::string prompt;
    Placement placement = Placement::System;
    OnExistingSystem onExistingSystem = OnExistingSystem::Error;  // the paper's code refuses
    TurnScope turns = TurnScope::First;                           // user placements only
    std::string separator = "\n";   // between prompt and existing text (prefix/suffix/prepend)
    double fraction = 1.0;          // share of rows that get the prompt
    std::uint64_t seed = 0;         // picks those rows, from the row index alone
};

enum class InoculationOutcome {
    Applied,
    NotSelected,            // left out by `fraction`
    SkippedExistingSystem,  // OnExistingSystem::Skip
    RefusedExistingSystem,  // OnExistingSystem::Error: the caller reports it
    NoUserTurn,             // a user placement on a row without a user turn
};

struct InoculationResult {
    InoculationOutcome outcome = InoculationOutcome::NotSelected;
    std::vector<ContentRange> inserted;  // where the prompt text now sits, for highlighting
};

std::string_view placementName(Placement placement);
std::optional<Placement> parsePlacement(std::string_view name);
std::string_view onExistingSystemName(OnExistingSystem policy);
std::optional<OnExistingSystem> parseOnExistingSystem(std::string_view name);
std::optional<TurnScope> parseTurnScope(std::string_view name);

// The first problem with the options, naming the field ("fraction: must be in [0, 1]").
std::optional<std::string> checkInoculationOptions(const InoculationOptions &options);

// Whether row `rowIndex` gets the prompt. Depends only on (seed, rowIndex, fraction), so the
// same rows are chosen whatever order the file is read in.
bool isRowSelected(std::uint64_t seed, std::uint64_t rowIndex, double fraction);

// Applies the transform to one row in place. The conversation is unchanged unless the
// outcome is Applied.
InoculationResult inoculate(Conversation &conversation, std::uint64_t rowIndex,
                            const InoculationOptions &options);

// A user-facing sentence for outcomes that stop a file transform.
std::string outcomeProblem(InoculationOutcome outcome);

}  // namespace inoculab::data
