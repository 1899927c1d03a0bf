#pragma once
// Means and 95% confidence intervals across seed models (t, percentile bootstrap, Wilson), as the
// papers aggregate them: each model's score is averaged first, then one interval across seeds.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace inoculab::stats {

// `low` and `high` are NaN when the interval is undefined (too few values, no trials). `mean`
// is NaN only when there is nothing to average or a value is NaN or infinite. `n` counts what the interval is about: values
// (seed models) for t and bootstrap, trials for wilsonInterval(), seeds for acrossSeeds().
struct Interval {
    double mean;
    double low;
    double high;
    std::size_t n;
};

enum class IntervalMethod { T, Bootstrap, Wilson };

std::string_view intervalMethodName(IntervalMethod method);                // "t", "bootstrap", "wilson"
std::optional<IntervalMethod> parseIntervalMethod(std::string_view name);  // exact, lower case

// Empty input gives NaN. Shifted by the first value before summing, so identical values give
// that value exactly (a zero-width interval really has zero width) and large offsets lose less.
double mean(std::span<const double> values);
// Bessel-corrected (n - 1 denominator); NaN for fewer than two values.
double sampleStdDev(std::span<const double> values);

// Quantiles behind the intervals, from Boost.Math (exact, not tables), exposed so the numbers
// in a figure caption can be checked. p must be in (0, 1), degreesOfFreedom > 0 (may be
// fractional); otherwise std::invalid_argument.
double studentTQuantile(double p, double degreesOfFreedom);
double normalQuantile(double p);

// Arguments that cannot be right (confidence outside (0, 1), resamples < 1, negative trials,
// successes outside [0, trials], mismatched spans) throw std::invalid_argument naming the
// argument. Data that merely gives no answer (too few values, a NaN or infinite value, zero
// trials) gives NaN bounds instead, so one failed seed blanks a chart bar rather than the chart.

// mean +/- t_{(1+c)/2, n-1} * s / sqrt(n). Fewer than two values: mean defined, bounds NaN.
Interval tInterval(std::span<const double> values, double confidence = 0.95);

// Wilson score interval without continuity correction; `mean` is the observed proportion
// successes / trials (not the Wilson centre). Bounds are exactly 0 at zero successes and
// exactly 1 at successes == trials. `successes` is normally a whole count; it may be
// fractional only when it was rebuilt as proportion * trials (acrossSeeds() does this), in
// which case the formula is used as is. Zero trials: mean and bounds NaN. `n` is trials,
// rounded to the nearest whole number.
Interval wilsonInterval(double successes, double trials, double confidence = 0.95);

// Percentile bootstrap of the mean: `resamples` resamples with replacement, the mean of each,
// then the (1 - c) / 2 and (1 + c) / 2 quantiles of those means by linear interpolation
// between order statistics (Hyndman & Fan type 7, the default of R and NumPy): with sorted
// means m_0..m_{B-1}, h = (B - 1) p and k = floor(h), q = m_k + (h - k) (m_{k+1} - m_k).
// Indices come from std::mt19937_64 seeded with `seed` (its sequence is fixed by the C++
// standard) through an unbiased bounded draw of our own (std::uniform_int_distribution's
// output differs between standard libraries), and the arithmetic is fixed-order IEEE, so one
// seed gives the same interval, bit for bit, on every platform and library version.
// Fewer than two values: bounds NaN (a CI needs at least two seed models). Identical values:
// zero width. Bounds always lie within [min, max] of the values; note that with three seeds
// the 95% bounds are almost always exactly [min, max]: 1/27 of resamples (~74 of 2000) repeat
// the smallest value, and the 2.5% point falls inside them unless fewer than 51 do (~0.3%).
Interval bootstrapInterval(std::span<const double> values, std::uint64_t seed = 0, int resamples = 2000,
                           double confidence = 0.95);

// Percentile bootstrap of any statistic of the values (a standard deviation, say), with the
// same index draws and quantile rule as bootstrapInterval(); `mean` is the statistic of the
// values themselves. Fewer than two values, or a non-finite value: bounds NaN. The bounds
// are not clamped: a statistic need not lie within the values' range.
Interval bootstrapStatisticInterval(std::span<const double> values,
                                    const std::function<double(std::span<const double>)> &statistic,
                                    std::uint64_t seed = 0, int resamples = 2000, double confidence = 0.95);

// Across-seed aggregation the charts use: per-seed values in, a 95% interval out, by method.
// T and Bootstrap take per-seed scores (bootstrap for scores in [0, 1], t otherwise). Wilson
// takes per-seed proportions in [0, 1] and `trialsPerSeed` (same length, required) and pools
// them: successes = sum(p_i * trials_i), each term snapped to the nearest whole count when
// within 1e-9 of it (undoing the rounding of count / trials), over sum(trials_i). The Wilson
// interval is over pooled trials, so it is defined even for one seed. `mean` is the pooled
// proportion for Wilson and the plain mean of the seeds otherwise; `n` is the number of seeds.
// T and Bootstrap ignore `trialsPerSeed`, so a caller may pass it whatever the method.
Interval acrossSeeds(std::span<const double> perSeedValues, IntervalMethod method, std::uint64_t bootstrapSeed = 0,
                     std::span<const double> trialsPerSeed = {});

// Runs on several base models, the design of docs/statistics.md ("Base models as a factor"):
// each run is (base model, finetune seed), and the base models are the units the result must
// generalise over, since the finetune seeds of one base model share its quirks. Each base
// model's runs are averaged first (a plain mean over its finetune seeds), then the interval
// is taken across those base-model means: bootstrap for Bootstrap, t for T and for Wilson
// (pooling every sample's trial would treat the samples of one base model as independent
// of each other, which they are not). `mean` is the mean of the base-model means, so each
// base model weighs the same even when one lost a run; `n` is the number of base models.
// `baseOf[i]` names the base model of run i (any labels; equal labels are one base model).
// With a single base model this is acrossSeeds() over the runs, unchanged.
Interval acrossBaseModels(std::span<const double> perRunValues, std::span<const std::int64_t> baseOf,
                          IntervalMethod method, std::uint64_t bootstrapSeed = 0,
                          std::span<const double> trialsPerRun = {});

// The plain means of each base model's runs, in order of each base model's first run.
std::vector<double> baseModelMeans(std::span<const double> perRunValues, std::span<const std::int64_t> baseOf);

}  // namespace inoculab::stats
