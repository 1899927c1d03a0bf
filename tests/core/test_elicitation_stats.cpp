// The elicitation check's numbers from what the base model gave: per-row log-probability
// heuristics on hand-made rows whose changes are dyadic (every sum and quotient exact in a
// double), and trait rates with questions as the unit, some answers unscored (a judge's
// undefined or dropped answers), checked against the definitions in elicitation_stats.h.
#include "test_support.h"

#include "experiment/elicitation_stats.h"

#include <cmath>

using namespace inoculab;
using experiment::RowLogprob;
using store::StepRecord;

namespace {

StepRecord::Sample answer(std::int64_t question, std::optional<double> spanish) {
    StepRecord::Sample s;
    s.context = "arm";
    s.questionIndex = question;
    s.question = "q" + std::to_string(question);
    if (spanish) s.traitScores.emplace_back("spanish", *spanish);
    s.traitScores.emplace_back("all_caps", 1.0);  // another trait's score is not this one's
    return s;
}

}  // namespace

class TestElicitationStats : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void rowHeuristicsAreTheChangePerToken() {
        // d = (with - without) / tokens: 1, -0.5, 0.5, 0; the row without tokens is left out.
        const std::vector<RowLogprob> rows{{-4, -2, 2}, {-8, -10, 4}, {-1, -0.5, 1}, {-3, -3, 2}, {0, 0, 0}};
        experiment::RowHeuristics h = experiment::rowHeuristics(rows, 7);
        QCOMPARE(h.meanChange.mean, 0.25);
        QCOMPARE(h.meanChange.n, std::size_t(4));
        // s^2 = (0.75^2 + 0.75^2 + 0.25^2 + 0.25^2) / 3 = 5/12; half width t_{0.975,3} s / 2.
        const double half = stats::studentTQuantile(0.975, 3) * std::sqrt(5.0 / 12.0) / 2;
        QVERIFY(std::abs(h.meanChange.low - (0.25 - half)) < 1e-12);
        QVERIFY(std::abs(h.meanChange.high - (0.25 + half)) < 1e-12);
        // Two of four rows raised (0 is not a rise).
        stats::Interval wilson = stats::wilsonInterval(2, 4);
        QCOMPARE(h.sharePositive.mean, 0.5);
        QCOMPARE(h.sharePositive.low, wilson.low);
        QCOMPARE(h.sharePositive.high, wilson.high);
        QVERIFY(std::abs(h.spread.mean - std::sqrt(5.0 / 12.0)) < 1e-15);
        // A resample's standard deviation lies between 0 and that of {1, -0.5} repeated.
        QVERIFY(h.spread.low >= 0 && h.spread.low <= h.spread.mean && h.spread.high >= h.spread.mean);
        QVERIFY(h.spread.high <= 0.75 * std::sqrt(4.0 / 3.0) + 1e-12);
    }

    void bootstrapOfAStatisticDrawsAsTheMeansBootstrapDoes() {
        const std::vector<double> values{0.1, 0.7, 0.2, 0.9, 0.4, 0.4, 0.05};
        auto mean = [](std::span<const double> v) { return stats::mean(v); };
        for (std::uint64_t seed : {0ull, 1ull, 12345ull}) {
            stats::Interval a = stats::bootstrapStatisticInterval(values, mean, seed);
            stats::Interval b = stats::bootstrapInterval(values, seed);
            // The same resamples; their means differ by rounding only (bootstrapInterval sums
            // values shifted by the first): 7 terms below 1, a few ulps.
            QVERIFY(std::abs(a.low - b.low) < 1e-14 && std::abs(a.high - b.high) < 1e-14);
            QCOMPARE(a.mean, b.mean);
        }
        auto largest = [](std::span<const double> v) { return *std::max_element(v.begin(), v.end()); };
        stats::Interval m = stats::bootstrapStatisticInterval(values, largest, 3);
        QCOMPARE(m.mean, 0.9);
        // P(max of 7 draws <= 0.2) = (3/7)^7 < 0.3%, P(max = 0.9) = 1 - (6/7)^7 > 66%.
        QVERIFY(m.low >= 0.4 && m.high == 0.9);
        QVERIFY(std::isnan(stats::bootstrapStatisticInterval(std::vector<double>{1.0}, mean).low));
        QVERIFY(std::isnan(stats::bootstrapStatisticInterval(std::vector<double>{1.0, NAN}, mean).mean));
    }

    void traitRatesTakeQuestionsAsTheUnit() {
        // Question 0: without 1, 0 -> 0.5; with 1, 1 -> 1.
        // Question 1: without 0, 0 -> 0;   with 1, unscored -> 1.
        // Question 2: without unscored twice (no rate); with 0, 1 -> 0.5.
        const std::vector<StepRecord::Sample> without{answer(0, 1), answer(0, 0), answer(1, 0),
                                                      answer(1, 0), answer(2, {}), answer(2, {})};
        const std::vector<StepRecord::Sample> with{answer(0, 1), answer(0, 1), answer(1, 1),
                                                   answer(1, {}), answer(2, 0), answer(2, 1)};
        experiment::TraitElicitation e = experiment::traitElicitation("spanish", without, with, 11);
        QCOMPARE(e.trait, std::string("spanish"));
        QCOMPARE(e.without.mean, 0.25);  // mean of 0.5, 0
        QCOMPARE(e.without.n, std::size_t(2));
        QVERIFY(std::abs(e.with.mean - 2.5 / 3) < 1e-15);  // mean of 1, 1, 0.5
        QCOMPARE(e.with.n, std::size_t(3));
        // Paired over the questions scored in both arms: 1 - 0.5 and 1 - 0.
        QCOMPARE(e.elicitation.mean, 0.75);
        QCOMPARE(e.elicitation.n, std::size_t(2));
        stats::Interval paired = stats::bootstrapInterval(std::vector<double>{0.5, 1.0}, 11);
        QCOMPARE(e.elicitation.low, paired.low);
        QCOMPARE(e.elicitation.high, paired.high);
        QCOMPARE(e.answersWithout, std::size_t(4));
        QCOMPARE(e.unscoredWithout, std::size_t(2));
        QCOMPARE(e.answersWith, std::size_t(5));
        QCOMPARE(e.unscoredWith, std::size_t(1));

        // A trait every answer has: the paired difference is the difference of the rates.
        experiment::TraitElicitation caps = experiment::traitElicitation("all_caps", without, with);
        QCOMPARE(caps.without.mean, 1.0);
        QCOMPARE(caps.elicitation.mean, 0.0);
        QCOMPARE(caps.elicitation.low, 0.0);  // identical differences: zero width
        QCOMPARE(caps.unscoredWith, std::size_t(0));
        // No scored answer at all: every number undefined, nothing invented.
        experiment::TraitElicitation none = experiment::traitElicitation("coherence", without, with);
        QVERIFY(std::isnan(none.without.mean) && std::isnan(none.elicitation.mean));
        QCOMPARE(none.unscoredWithout, std::size_t(6));
    }
};

QTEST_GUILESS_MAIN(TestElicitationStats)
#include "test_elicitation_stats.moc"
