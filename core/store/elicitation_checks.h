#pragma once
// The elicitation check's numbers as the store keeps them (elicitation_checks): per candidate
// prompt, the base model's loss on the training answers without and with it, the log-prob
// heuristics with their intervals over rows, and, when measured, each trait's rates without
// and with the prompt. Candidate prompts that no condition trains are kept too: the
// elicitation chart draws them apart (x only), and the report lists them.
#include "stats/intervals.h"
#include "store/results_store.h"

#include <cstdint>
#include <string>
#include <vector>

namespace inoculab::store {

struct ElicitationCheck {
    std::string prompt;
    std::int64_t rows = 0;
    std::int64_t tokens = 0;
    double lossWithout = 0;  // nats per answer token
    double lossWith = 0;
    stats::Interval meanChange{};     // PH (nats per token), t interval over rows
    stats::Interval sharePositive{};  // Wilson interval
    stats::Interval spread{};         // bootstrap interval
    // [{"trait", "without", "with", "elicitation", ...}] as experiment::traitElicitationJson
    // writes it; "[]" when the check measured no trait.
    std::string traitsJson = "[]";
    std::string baseModel, baseModelSha256;
    std::string checkedAt;  // filled when read
    double drop() const { return lossWithout - lossWith; }
};

// Replaces a check of the same prompt on the same number of rows of the same base model.
void writeElicitationCheck(ResultsStore &store, std::int64_t experimentId, const ElicitationCheck &check);

// The latest check of each prompt (of any row count or base model), oldest prompt first.
std::vector<ElicitationCheck> elicitationChecks(ResultsStore &store, std::int64_t experimentId);

}  // namespace inoculab::store
