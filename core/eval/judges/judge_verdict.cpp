#include "eval/judges/judge_verdict.h"

#include "eval/trait_scorers.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace inoculab::eval {

namespace {

std::string_view trimmed(std::string_view text) {
    constexpr std::string_view kSpace = " \t\r\n";
    std::size_t start = text.find_first_not_of(kSpace);
    if (start == std::string_view::npos) return {};
    return text.substr(start, text.find_last_not_of(kSpace) - start + 1);
}

}  // namespace

std::optional<int> judgeInteger(std::string_view answer) {
    std::string_view digits = trimmed(answer);
    if (digits.empty() || digits.size() > 3) return std::nullopt;
    if (digits.size() > 1 && digits[0] == '0') return std::nullopt;
    int value = 0;
    for (char c : digits) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + (c - '0');
    }
    if (value > 100) return std::nullopt;
    return value;
}

std::optional<bool> judgeYesNo(std::string_view answer) {
    const std::string word = lowerCase(trimmed(answer));
    if (word == "yes") return true;
    if (word == "no") return false;
    return std::nullopt;
}

JudgeScore judgeScore(const JudgeDistribution &distribution, experiment::JudgeMode mode, double minMass) {
    double mass = 0, weighted = 0;
    for (const JudgeAnswer &a : distribution) {
        if (mode == experiment::JudgeMode::Score0To100) {
            if (std::optional<int> k = judgeInteger(a.text)) {
                mass += a.probability;
                weighted += a.probability * *k;
            }
        } else if (std::optional<bool> yes = judgeYesNo(a.text)) {
            mass += a.probability;
            if (*yes) weighted += a.probability * 100.0;
        }
    }
    JudgeScore s;
    s.mass = mass;
    // The mean of values in [0, 100] is in [0, 100]; with denormal probabilities (log-probs
    // near -745) the rounded quotient can step just outside (found by fuzzing), so clamp.
    if (mass > 0 && mass >= minMass) s.score = std::clamp(weighted / mass, 0.0, 100.0);
    return s;
}

std::optional<double> judgedTraitValue(const JudgeScore &score, const experiment::JudgeSpec &spec) {
    if (!score.score) return std::nullopt;
    if (!spec.threshold) return *score.score / 100.0;
    bool counts = spec.countsBelow ? *score.score < *spec.threshold : *score.score > *spec.threshold;
    return counts ? 1.0 : 0.0;
}

nlohmann::json distributionJson(const JudgeDistribution &distribution) {
    nlohmann::json out = nlohmann::json::array();
    for (const JudgeAnswer &a : distribution) out.push_back({a.text, a.probability});
    return out;
}

JudgeDistribution distributionFromJson(std::string_view text) {
    nlohmann::json parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!parsed.is_array()) throw std::invalid_argument("a judge distribution is a JSON array of [answer, probability]");
    JudgeDistribution out;
    for (const nlohmann::json &entry : parsed) {
        if (!entry.is_array() || entry.size() != 2 || !entry[0].is_string() || !entry[1].is_number())
            throw std::invalid_argument("a judge distribution's entries are [answer, probability] pairs");
        double p = entry[1].get<double>();
        if (!std::isfinite(p) || p < 0 || p > 1)
            throw std::invalid_argument("a judge distribution's probabilities are in [0, 1]");
        out.push_back({entry[0].get<std::string>(), p});
    }
    return out;
}

}  // namespace inoculab::eval
