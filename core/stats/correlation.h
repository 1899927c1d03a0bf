#pragma once
// Does one measure predict another across points (candidate prompts, conditions)? The
// elicitation-against-suppression figure answers with a least-squares line and the 95%
// confidence band of its mean, Pearson's r and Spearman's rho, each correlation with a
// percentile bootstrap interval over points (a point's x and y are resampled together).
// Arithmetic is Boost.Math's (bivariate_statistics, linear_regression, students_t).
#include "stats/intervals.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace inoculab::stats {

// y = intercept + slope * x by ordinary least squares. Every field is NaN (n still set) for
// fewer than two points, a non-finite value, or an x without variance.
struct LinearFit {
    double intercept;
    double slope;
    double residualStdError;  // s = sqrt(SSE / (n - 2)); NaN for n < 3
    double meanX;
    double sxx;  // sum of (x - meanX)^2
    std::size_t n;

    double predict(double x) const { return intercept + slope * x; }
    // The confidence band of the fitted mean at x (not a prediction band for a new point):
    // predict(x) +/- t_{(1+c)/2, n-2} * s * sqrt(1/n + (x - meanX)^2 / sxx). `mean` is predict(x);
    // bounds NaN for n < 3, where the residuals leave no degree of freedom.
    Interval band(double x, double confidence = 0.95) const;
};
// x and y of different lengths throw std::invalid_argument.
LinearFit leastSquares(std::span<const double> x, std::span<const double> y);

// Pearson's product-moment correlation. NaN for fewer than two points, a non-finite value,
// or an x or y that is constant (the correlation is undefined, not zero).
double pearson(std::span<const double> x, std::span<const double> y);
// 1-based ranks; tied values share the mean of the ranks they span (so 3, 1, 3 -> 2.5, 1, 2.5).
std::vector<double> averageRanks(std::span<const double> values);
// Spearman's rho: Pearson's r of the average ranks (the tie-correct form, not 1 - 6 sum d^2 / ...).
double spearman(std::span<const double> x, std::span<const double> y);

struct CorrelationInterval {
    Interval interval;  // mean: the correlation of all points; n: points
    // Resamples whose x or y came out constant have no correlation: they are left out of
    // the percentiles and counted here. With n distinct x values that happens with
    // probability n^(1-n) per resample (0.4% of them for n = 5), more when values tie.
    std::size_t undefinedResamples = 0;
};
// Percentile bootstrap over points with bootstrapInterval()'s index draws and quantile rule.
// Bounds NaN for fewer than four points (with three, a third of resamples repeat one point
// and the rest give +/-1 or close to it) or when fewer than half the resamples are defined.
CorrelationInterval pearsonInterval(std::span<const double> x, std::span<const double> y, std::uint64_t seed = 0,
                                    int resamples = 2000, double confidence = 0.95);
CorrelationInterval spearmanInterval(std::span<const double> x, std::span<const double> y, std::uint64_t seed = 0,
                                     int resamples = 2000, double confidence = 0.95);

}  // namespace inoculab::stats
