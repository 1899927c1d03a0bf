#pragma once
// Two traits against each other (Tan et al.): per condition, P(trait A) on x and P(trait B)
// on y under one context, with 95% intervals across seeds on both axes and each seed model
// as a faint point. The baseline is a star, a control a diamond, inoculated conditions dots.
#include "chart_data.h"
#include "paper_theme.h"

class QChart;

namespace inoculab::ui::charts {

// Series carry "role": "mean" (one per condition, one point), "seed", "errorbar"; and
// "condition" and "conditionRole" ("baseline", "control", "inoculated").
QChart *buildScatterChart(const ResultsData &data, const ChartRequest &request, const PaperTheme &theme);

}  // namespace inoculab::ui::charts
