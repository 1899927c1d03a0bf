#pragma once
// The points of the elicitation-against-suppression figure and what a reader needs to judge
// their relation: one point per inoculated condition and trait (x: how much its prompt lowers
// the initial training loss against the baseline's, y: the baseline's trait expression minus
// the condition's), a least-squares line with its 95% band, and Pearson's r and Spearman's
// rho with bootstrap intervals over the points. The chart, its table and its caption share it.
#include "chart_data.h"
#include "stats/correlation.h"

#include <QString>

#include <vector>

namespace inoculab::ui::charts {

struct ElicitationPoint {
    QString condition, trait;
    // x = baseline initial loss - condition initial loss; its interval is the condition's
    // across seeds, shifted (the baseline's own uncertainty is not added). y likewise.
    double x, xLow, xHigh;
    double y, yLow, yHigh;
    std::size_t seeds;
};

struct ElicitationRelation {
    QString context;
    bool hasBaseline = false;
    std::vector<ElicitationPoint> points;  // baseline first order, traits as requested
    stats::LinearFit fit;                  // over every point drawn, all traits together
    stats::CorrelationInterval pearson, spearman;
};

ElicitationRelation elicitationRelation(const ResultsData &data, const ChartRequest &request);
// "least squares over 6 points: y = 0.12 + 0.30 x; Pearson r = 0.91 [0.45, 1.00], Spearman
// rho = 0.83 [0.20, 1.00] (95% percentile bootstrap over points)", or why there is no fit.
QString relationSummary(const ElicitationRelation &relation);

}  // namespace inoculab::ui::charts
