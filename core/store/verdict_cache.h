#pragma once
// The verdict cache in the results store (table judge_verdicts): every distribution a judge
// gave, so that a rerun, a resumed evaluation or another experiment asking the same judge the
// same prompt pays for nothing. The store keeps the distribution as JSON text; eval/judges
// reads and writes it.
#include "store/results_store.h"

#include <optional>
#include <span>
#include <string>

namespace inoculab::store {

struct VerdictKey {
    std::string judge;  // who judged: "openai <base_url> <model>", "hf <folder> <weights digest>"
    std::string mode;   // "score-0-100", "yes-no"
    std::string promptSha256;
};

struct StoredVerdict {
    VerdictKey key;
    std::string templateSha256;
    std::string prompt;            // the rendered prompt, as the judge read it
    std::string distributionJson;  // [[answer, probability], ...]
};

std::optional<StoredVerdict> findVerdict(ResultsStore &store, const VerdictKey &key);
// In one transaction; a verdict already stored under the same key is replaced (--rejudge).
void storeVerdicts(ResultsStore &store, std::span<const StoredVerdict> verdicts);
// How many verdicts the store holds (all judges).
std::int64_t verdictCount(ResultsStore &store);

}  // namespace inoculab::store
