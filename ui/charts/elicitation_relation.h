#pragma once
// The points of the elicitation-against-suppression figure and what a reader needs to judge
// their relation: one point per inoculated condition and trait (x: how much its prompt elicits
// the training answers before training, y: the baseline's trait expression minus the
// condition's), a least-squares line with its 95% band, and Pearson's r and Spearman's rho with
// bootstrap intervals over the points; and the candidate prompts that were only checked, not
// trained, at their x alone. The chart, its table and its caption share it.
//
// x is one of the measures the store holds (request.series):
//  - "metric:train_loss" (default): the baseline's initial training loss minus the condition's,
//    from the trained runs' first step, with the condition's t interval across seeds;
//  - "check:drop": the elicitation check's loss drop on the base model (nats per answer token);
//  - "check:ph": the check's PH, the mean per-token log-prob change over rows, t interval;
//  - "check:trait": the check's trait elicitation, the base model's rate of the point's trait
//    with the prompt minus without, paired by question, bootstrap interval (checks made with
//    --traits).
// Only the check measures have candidates: a candidate has no run, so no initial training loss.
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

// A prompt the store has an elicitation check of that no condition trains: x only.
struct CandidatePoint {
    QString prompt;
    QString trait;  // check:trait: the trait whose elicitation x is; empty otherwise
    double x, xLow, xHigh;
    std::int64_t rows;
};

struct ElicitationRelation {
    QString context;
    QString measure;  // the effective x measure
    bool hasBaseline = false;
    std::vector<ElicitationPoint> points;  // baseline first order, traits as requested
    std::vector<CandidatePoint> candidates;
    stats::LinearFit fit;                  // over every point drawn, all traits together
    stats::CorrelationInterval pearson, spearman;
};

// The measures this experiment's store can put on x: the training loss always, the check
// measures when it holds elicitation checks.
QStringList elicitationMeasures(const ResultsData &data);
QString elicitationMeasureLabel(const QString &measure);  // the x axis title
QString effectiveElicitationMeasure(const ResultsData &data, const ChartRequest &request);

ElicitationRelation elicitationRelation(const ResultsData &data, const ChartRequest &request);
// "least squares over 6 points: y = 0.12 + 0.30 x; Pearson r = 0.91 [0.45, 1.00], Spearman
// rho = 0.83 [0.20, 1.00] (95% percentile bootstrap over points)", or why there is no fit.
QString relationSummary(const ElicitationRelation &relation);

}  // namespace inoculab::ui::charts
