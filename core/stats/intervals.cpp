#include "stats/intervals.h"

#include "stats/resampling.h"

#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace inoculab::stats {

using detail::IndexDraw;
using detail::quantileType7;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void checkConfidence(double confidence) {
    // Written so that NaN fails too.
    if (!(confidence > 0.0 && confidence < 1.0))
        throw std::invalid_argument("confidence: must be in (0, 1), got " + std::to_string(confidence));
}

bool allFinite(std::span<const double> values) {
    return std::all_of(values.begin(), values.end(), [](double v) { return std::isfinite(v); });
}

Interval undefinedBounds(double mean, std::size_t n) {
    return {mean, kNaN, kNaN, n};
}

}  // namespace

std::string_view intervalMethodName(IntervalMethod method) {
    switch (method) {
    case IntervalMethod::T: return "t";
    case IntervalMethod::Bootstrap: return "bootstrap";
    case IntervalMethod::Wilson: return "wilson";
    }
    return "t";
}

std::optional<IntervalMethod> parseIntervalMethod(std::string_view name) {
    if (name == "t") return IntervalMethod::T;
    if (name == "bootstrap") return IntervalMethod::Bootstrap;
    if (name == "wilson") return IntervalMethod::Wilson;
    return std::nullopt;
}

double mean(std::span<const double> values) {
    if (values.empty()) return kNaN;
    const double first = values.front();
    double shiftedSum = 0.0;
    for (double v : values) shiftedSum += v - first;
    return first + shiftedSum / static_cast<double>(values.size());
}

double sampleStdDev(std::span<const double> values) {
    if (values.size() < 2) return kNaN;
    // Two passes: the one-pass sum-of-squares formula cancels badly for scores near each other.
    const double m = mean(values);
    double squares = 0.0;
    for (double v : values) squares += (v - m) * (v - m);
    return std::sqrt(squares / static_cast<double>(values.size() - 1));
}

double studentTQuantile(double p, double degreesOfFreedom) {
    if (!(p > 0.0 && p < 1.0)) throw std::invalid_argument("p: must be in (0, 1), got " + std::to_string(p));
    if (!(degreesOfFreedom > 0.0) || std::isinf(degreesOfFreedom))
        throw std::invalid_argument("degreesOfFreedom: must be a finite number > 0, got " +
                                    std::to_string(degreesOfFreedom));
    return boost::math::quantile(boost::math::students_t_distribution<double>(degreesOfFreedom), p);
}

double normalQuantile(double p) {
    if (!(p > 0.0 && p < 1.0)) throw std::invalid_argument("p: must be in (0, 1), got " + std::to_string(p));
    return boost::math::quantile(boost::math::normal_distribution<double>(0.0, 1.0), p);
}

Interval tInterval(std::span<const double> values, double confidence) {
    checkConfidence(confidence);
    const std::size_t n = values.size();
    if (!allFinite(values)) return undefinedBounds(kNaN, n);
    const double m = mean(values);
    if (n < 2) return undefinedBounds(m, n);
    const double s = sampleStdDev(values);
    if (s == 0.0) return {m, m, m, n};
    const double t = studentTQuantile((1.0 + confidence) / 2.0, static_cast<double>(n - 1));
    const double half = t * s / std::sqrt(static_cast<double>(n));
    return {m, m - half, m + half, n};
}

Interval wilsonInterval(double successes, double trials, double confidence) {
    checkConfidence(confidence);
    if (!(trials >= 0.0) || std::isinf(trials))
        throw std::invalid_argument("trials: must be a finite number >= 0, got " + std::to_string(trials));
    const auto n = static_cast<std::size_t>(std::llround(trials));
    if (std::isnan(successes)) return undefinedBounds(kNaN, n);
    if (!(successes >= 0.0 && successes <= trials))
        throw std::invalid_argument("successes: must be in [0, trials], got " + std::to_string(successes) +
                                    " of " + std::to_string(trials));
    if (trials == 0.0) return undefinedBounds(kNaN, n);

    const double p = successes / trials;
    const double z = normalQuantile((1.0 + confidence) / 2.0);
    const double z2 = z * z;
    const double denominator = 1.0 + z2 / trials;
    const double centre = (p + z2 / (2.0 * trials)) / denominator;
    const double half = z / denominator * std::sqrt(p * (1.0 - p) / trials + z2 / (4.0 * trials * trials));
    // At p = 0 and p = 1 the closed form gives exactly 0 and 1; rounding would leave +/-1e-17.
    const double low = successes == 0.0 ? 0.0 : std::max(0.0, centre - half);
    const double high = successes == trials ? 1.0 : std::min(1.0, centre + half);
    return {p, low, high, n};
}

Interval bootstrapInterval(std::span<const double> values, std::uint64_t seed, int resamples, double confidence) {
    if (resamples < 1)
        throw std::invalid_argument("resamples: must be at least 1, got " + std::to_string(resamples));
    checkConfidence(confidence);
    const std::size_t n = values.size();
    if (!allFinite(values)) return undefinedBounds(kNaN, n);
    const double m = mean(values);
    if (n < 2) return undefinedBounds(m, n);
    const auto [minIt, maxIt] = std::minmax_element(values.begin(), values.end());
    const double lowest = *minIt, highest = *maxIt;
    if (lowest == highest) return {m, m, m, n};

    // Each resample's mean is taken like mean(): shifted by the first value, for the same
    // accuracy as the point estimate.
    const double first = values.front();
    std::vector<double> shifted(values.begin(), values.end());
    for (double &v : shifted) v -= first;

    IndexDraw draw(seed, n);
    std::vector<double> means(static_cast<std::size_t>(resamples));
    for (double &resampleMean : means) {
        double sum = 0.0;
        for (std::size_t i = 0; i < n; ++i) sum += shifted[draw()];
        resampleMean = first + sum / static_cast<double>(n);
    }
    std::sort(means.begin(), means.end());
    // A mean of the data lies within [min, max]; the clamp only removes an ulp of rounding.
    const double low = std::clamp(quantileType7(means, (1.0 - confidence) / 2.0), lowest, highest);
    const double high = std::clamp(quantileType7(means, (1.0 + confidence) / 2.0), lowest, highest);
    return {m, low, high, n};
}

Interval bootstrapStatisticInterval(std::span<const double> values,
                                    const std::function<double(std::span<const double>)> &statistic,
                                    std::uint64_t seed, int resamples, double confidence) {
    if (resamples < 1)
        throw std::invalid_argument("resamples: must be at least 1, got " + std::to_string(resamples));
    checkConfidence(confidence);
    const std::size_t n = values.size();
    if (!allFinite(values)) return undefinedBounds(kNaN, n);
    const double whole = statistic(values);
    if (n < 2) return undefinedBounds(whole, n);
    IndexDraw draw(seed, n);
    std::vector<double> resample(n), statistics(static_cast<std::size_t>(resamples));
    for (double &s : statistics) {
        for (double &v : resample) v = values[draw()];
        s = statistic(resample);
    }
    std::sort(statistics.begin(), statistics.end());
    return {whole, quantileType7(statistics, (1.0 - confidence) / 2.0), quantileType7(statistics, (1.0 + confidence) / 2.0),
            n};
}

Interval acrossSeeds(std::span<const double> perSeedValues, IntervalMethod method, std::uint64_t bootstrapSeed,
                     std::span<const double> trialsPerSeed) {
    switch (method) {
    case IntervalMethod::T: return tInterval(perSeedValues);
    case IntervalMethod::Bootstrap: return bootstrapInterval(perSeedValues, bootstrapSeed);
    case IntervalMethod::Wilson: break;
    }

    const std::size_t seeds = perSeedValues.size();
    if (trialsPerSeed.size() != seeds)
        throw std::invalid_argument("trialsPerSeed: Wilson needs one trial count per seed (" +
                                    std::to_string(seeds) + " seeds, " + std::to_string(trialsPerSeed.size()) +
                                    " trial counts)");
    double successes = 0.0, trials = 0.0;
    bool undefined = false;
    for (std::size_t i = 0; i < seeds; ++i) {
        const double p = perSeedValues[i], t = trialsPerSeed[i];
        if (!(t >= 0.0) || std::isinf(t))
            throw std::invalid_argument("trialsPerSeed: must be finite numbers >= 0, got " + std::to_string(t));
        if (std::isnan(p)) {
            undefined = true;
            continue;
        }
        if (!(p >= 0.0 && p <= 1.0))
            throw std::invalid_argument("perSeedValues: Wilson needs proportions in [0, 1], got " + std::to_string(p));
        // Proportions are count / trials, so p * t is a whole count up to rounding (0.3 * 10
        // is 3.0000000000000004); snapping keeps an exact count exact.
        double count = p * t;
        const double whole = std::round(count);
        if (std::fabs(count - whole) <= 1e-9) count = whole;
        successes += count;
        trials += t;
    }
    if (undefined) return undefinedBounds(kNaN, seeds);
    Interval pooled = wilsonInterval(std::min(successes, trials), trials);
    pooled.n = seeds;
    return pooled;
}

std::vector<double> baseModelMeans(std::span<const double> perRunValues, std::span<const std::int64_t> baseOf) {
    if (baseOf.size() != perRunValues.size())
        throw std::invalid_argument("baseOf: one base model per run (" + std::to_string(perRunValues.size()) +
                                    " runs, " + std::to_string(baseOf.size()) + " labels)");
    std::vector<std::int64_t> order;
    std::vector<std::vector<double>> runs;
    for (std::size_t i = 0; i < perRunValues.size(); ++i) {
        auto at = std::find(order.begin(), order.end(), baseOf[i]);
        if (at == order.end()) {
            order.push_back(baseOf[i]);
            runs.emplace_back();
            at = order.end() - 1;
        }
        runs[std::size_t(at - order.begin())].push_back(perRunValues[i]);
    }
    std::vector<double> means;
    for (const std::vector<double> &r : runs) means.push_back(mean(r));
    return means;
}

Interval acrossBaseModels(std::span<const double> perRunValues, std::span<const std::int64_t> baseOf,
                          IntervalMethod method, std::uint64_t bootstrapSeed, std::span<const double> trialsPerRun) {
    const std::vector<double> means = baseModelMeans(perRunValues, baseOf);
    if (means.size() <= 1) return acrossSeeds(perRunValues, method, bootstrapSeed, trialsPerRun);
    return method == IntervalMethod::Bootstrap ? bootstrapInterval(means, bootstrapSeed) : tInterval(means);
}

}  // namespace inoculab::stats
