#pragma once
// What a judge answered and what it means: the judge's distribution over its possible answers,
// the score read off it (the papers' definition), and the trait value that score gives.

#include "experiment/experiment_spec.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace inoculab::eval {

// One answer the judge could give and its probability: for an HTTP judge the top log-probs of
// its one answer token (exponentiated), for a local judge each complete answer the mode reads.
struct JudgeAnswer {
    std::string text;
    double probability = 0;

    bool operator==(const JudgeAnswer &) const = default;
};
using JudgeDistribution = std::vector<JudgeAnswer>;

struct JudgeScore {
    std::optional<double> score;  // 0..100; nullopt: undefined (mass below min_mass)
    double mass = 0;              // the probability on the answers the mode reads

    bool operator==(const JudgeScore &) const = default;
};

// The integer 0..100 an answer states: optional surrounding white space, decimal digits, no
// sign, no leading zero ("07" is not 7: no tokenizer writes it so, and a judge asked for an
// integer that says "07" is not answering the question). nullopt otherwise.
std::optional<int> judgeInteger(std::string_view answer);
// "yes" / "no" ignoring case and surrounding white space; nullopt for anything else.
std::optional<bool> judgeYesNo(std::string_view answer);

// score-0-100: mass = sum of p(k) over the answers that are integers k, score = sum p(k) k / mass.
// yes-no: mass = P(yes) + P(no), score = 100 P(yes) / mass. Answers naming the same integer
// (" 7" and "7") add up. Undefined when mass < minMass or mass is 0.
JudgeScore judgeScore(const JudgeDistribution &distribution, experiment::JudgeMode mode, double minMass);

// The trait's value for one answer: with a threshold, 1 when the score is above it (below it
// with counts_when below), else 0; without one, score / 100. nullopt when the score is.
std::optional<double> judgedTraitValue(const JudgeScore &score, const experiment::JudgeSpec &spec);

// The verdict cache's form: [["7", 0.25], ...]. fromJson throws std::invalid_argument when the
// text is not such an array of finite probabilities in [0, 1].
nlohmann::json distributionJson(const JudgeDistribution &distribution);
JudgeDistribution distributionFromJson(std::string_view text);

}  // namespace inoculab::eval
