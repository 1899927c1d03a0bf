#include "stats/correlation.h"

#include "stats/resampling.h"

#include <boost/math/statistics/bivariate_statistics.hpp>
#include <boost/math/statistics/linear_regression.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>

namespace inoculab::stats {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void checkSameLength(std::span<const double> x, std::span<const double> y) {
    if (x.size() != y.size())
        throw std::invalid_argument("x and y: need one y per x (" + std::to_string(x.size()) + " x values, " +
                                    std::to_string(y.size()) + " y values)");
}

bool allFinite(std::span<const double> values) {
    return std::all_of(values.begin(), values.end(), [](double v) { return std::isfinite(v); });
}

bool constant(const std::vector<double> &values) {
    return std::all_of(values.begin(), values.end(), [&](double v) { return v == values.front(); });
}

double pearsonOf(const std::vector<double> &x, const std::vector<double> &y) {
    if (x.size() < 2 || constant(x) || constant(y)) return kNaN;
    // Rounding can carry |r| a hair past 1 for collinear points; r is a cosine, so clamp it.
    return std::clamp(double(boost::math::statistics::correlation_coefficient(x, y)), -1.0, 1.0);
}

double spearmanOf(const std::vector<double> &x, const std::vector<double> &y) {
    return pearsonOf(averageRanks(x), averageRanks(y));
}

using Statistic = double (*)(const std::vector<double> &, const std::vector<double> &);

CorrelationInterval bootstrapPairs(std::span<const double> x, std::span<const double> y, Statistic statistic,
                                   std::uint64_t seed, int resamples, double confidence) {
    checkSameLength(x, y);
    if (resamples < 1) throw std::invalid_argument("resamples: must be at least 1, got " + std::to_string(resamples));
    if (!(confidence > 0.0 && confidence < 1.0))
        throw std::invalid_argument("confidence: must be in (0, 1), got " + std::to_string(confidence));
    const std::size_t n = x.size();
    CorrelationInterval out{{kNaN, kNaN, kNaN, n}, 0};
    if (!allFinite(x) || !allFinite(y)) return out;
    std::vector<double> xs(x.begin(), x.end()), ys(y.begin(), y.end());
    out.interval.mean = statistic(xs, ys);
    if (n < 4) return out;
    detail::IndexDraw draw(seed, n);
    std::vector<double> statistics;
    statistics.reserve(std::size_t(resamples));
    for (int r = 0; r < resamples; ++r) {
        for (std::size_t i = 0; i < n; ++i) {
            const std::uint64_t at = draw();
            xs[i] = x[at], ys[i] = y[at];
        }
        const double s = statistic(xs, ys);
        if (std::isnan(s))
            ++out.undefinedResamples;
        else
            statistics.push_back(s);
    }
    if (statistics.size() * 2 < std::size_t(resamples)) return out;
    std::sort(statistics.begin(), statistics.end());
    out.interval.low = detail::quantileType7(statistics, (1.0 - confidence) / 2.0);
    out.interval.high = detail::quantileType7(statistics, (1.0 + confidence) / 2.0);
    return out;
}

}  // namespace

Interval LinearFit::band(double x, double confidence) const {
    const double at = predict(x);
    if (n < 3 || !std::isfinite(residualStdError)) return {at, kNaN, kNaN, n};
    const double dx = x - meanX;
    const double half = studentTQuantile((1.0 + confidence) / 2.0, double(n - 2)) * residualStdError *
                        std::sqrt(1.0 / double(n) + dx * dx / sxx);
    return {at, at - half, at + half, n};
}

LinearFit leastSquares(std::span<const double> x, std::span<const double> y) {
    checkSameLength(x, y);
    LinearFit fit{kNaN, kNaN, kNaN, kNaN, kNaN, x.size()};
    std::vector<double> xs(x.begin(), x.end()), ys(y.begin(), y.end());
    if (xs.size() < 2 || !allFinite(x) || !allFinite(y) || constant(xs)) return fit;
    auto [c0, c1] = boost::math::statistics::simple_ordinary_least_squares(xs, ys);
    fit.intercept = c0, fit.slope = c1;
    fit.meanX = mean(x);
    double sxx = 0, sse = 0;
    for (std::size_t i = 0; i < xs.size(); ++i) {
        sxx += (xs[i] - fit.meanX) * (xs[i] - fit.meanX);
        const double residual = ys[i] - fit.predict(xs[i]);
        sse += residual * residual;
    }
    fit.sxx = sxx;
    if (xs.size() >= 3) fit.residualStdError = std::sqrt(sse / double(xs.size() - 2));
    return fit;
}

double pearson(std::span<const double> x, std::span<const double> y) {
    checkSameLength(x, y);
    if (!allFinite(x) || !allFinite(y)) return kNaN;
    return pearsonOf({x.begin(), x.end()}, {y.begin(), y.end()});
}

std::vector<double> averageRanks(std::span<const double> values) {
    std::vector<std::size_t> order(values.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
    std::vector<double> ranks(values.size());
    for (std::size_t i = 0; i < order.size();) {
        std::size_t j = i;
        while (j + 1 < order.size() && values[order[j + 1]] == values[order[i]]) ++j;
        const double rank = (double(i) + double(j)) / 2.0 + 1.0;  // the mean of ranks i+1 .. j+1
        for (std::size_t k = i; k <= j; ++k) ranks[order[k]] = rank;
        i = j + 1;
    }
    return ranks;
}

double spearman(std::span<const double> x, std::span<const double> y) {
    checkSameLength(x, y);
    if (!allFinite(x) || !allFinite(y)) return kNaN;
    return spearmanOf({x.begin(), x.end()}, {y.begin(), y.end()});
}

CorrelationInterval pearsonInterval(std::span<const double> x, std::span<const double> y, std::uint64_t seed,
                                    int resamples, double confidence) {
    return bootstrapPairs(x, y, &pearsonOf, seed, resamples, confidence);
}

CorrelationInterval spearmanInterval(std::span<const double> x, std::span<const double> y, std::uint64_t seed,
                                     int resamples, double confidence) {
    return bootstrapPairs(x, y, &spearmanOf, seed, resamples, confidence);
}

}  // namespace inoculab::stats
