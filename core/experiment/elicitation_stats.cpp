#include "experiment/elicitation_stats.h"

#include <cmath>
#include <map>
#include <optional>
#include <vector>

namespace inoculab::experiment {

namespace {

std::optional<double> scoreFor(const store::StepRecord::Sample &sample, const std::string &trait) {
    for (const auto &[name, score] : sample.traitScores)
        if (name == trait) return score;
    return std::nullopt;
}

struct QuestionMeans {
    std::map<std::int64_t, std::pair<double, std::size_t>> sums;  // question -> (sum, scored answers)
    std::size_t scored = 0;
    std::size_t unscored = 0;

    QuestionMeans(const std::string &trait, std::span<const store::StepRecord::Sample> samples) {
        for (const store::StepRecord::Sample &s : samples) {
            sums.try_emplace(s.questionIndex, 0.0, 0);
            if (std::optional<double> score = scoreFor(s, trait)) {
                auto &[sum, count] = sums[s.questionIndex];
                sum += *score;
                ++count;
                ++scored;
            } else {
                ++unscored;
            }
        }
    }
    std::optional<double> of(std::int64_t question) const {
        auto it = sums.find(question);
        if (it == sums.end() || it->second.second == 0) return std::nullopt;
        return it->second.first / static_cast<double>(it->second.second);
    }
    std::vector<double> values() const {
        std::vector<double> out;
        for (const auto &[question, sum] : sums)
            if (std::optional<double> m = of(question)) out.push_back(*m);
        return out;
    }
};

double stdDev(std::span<const double> values) { return stats::sampleStdDev(values); }

}  // namespace

RowHeuristics rowHeuristics(std::span<const RowLogprob> rows, std::uint64_t bootstrapSeed) {
    std::vector<double> change;
    change.reserve(rows.size());
    double positive = 0;
    for (const RowLogprob &r : rows) {
        if (r.tokens <= 0) continue;  // nothing scored: no change to speak of
        change.push_back((r.with - r.without) / static_cast<double>(r.tokens));
        if (change.back() > 0) ++positive;
    }
    RowHeuristics h;
    h.meanChange = stats::tInterval(change);
    h.sharePositive = stats::wilsonInterval(positive, static_cast<double>(change.size()));
    h.spread = stats::bootstrapStatisticInterval(change, stdDev, bootstrapSeed);
    return h;
}

TraitElicitation traitElicitation(const std::string &trait, std::span<const store::StepRecord::Sample> without,
                                  std::span<const store::StepRecord::Sample> with, std::uint64_t bootstrapSeed) {
    const QuestionMeans before(trait, without), after(trait, with);
    std::vector<double> differences;
    for (const auto &[question, sum] : after.sums) {
        std::optional<double> a = after.of(question), b = before.of(question);
        if (a && b) differences.push_back(*a - *b);
    }
    TraitElicitation e;
    e.trait = trait;
    e.without = stats::bootstrapInterval(before.values(), bootstrapSeed);
    e.with = stats::bootstrapInterval(after.values(), bootstrapSeed);
    e.elicitation = stats::bootstrapInterval(differences, bootstrapSeed);
    e.answersWithout = before.scored;
    e.answersWith = after.scored;
    e.unscoredWithout = before.unscored;
    e.unscoredWith = after.unscored;
    return e;
}

}  // namespace inoculab::experiment
