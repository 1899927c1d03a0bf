#pragma once
// The paper's main figure: trait expression per condition, one group per trait (and context
// when every context is shown), baseline first. Each condition's mean is a dot (or a bar)
// with its 95% interval across seeds as an error bar; each seed model is a faint point.
#include "chart_data.h"
#include "paper_theme.h"

class QChart;

namespace inoculab::ui::charts {

// Series carry the property "role": "mean" (one scatter series per condition, one point per
// group, in group order), "errorbar", "seed" or "bar", and "condition" (and "trait",
// "context" for error bars and bars).
QChart *buildTraitChart(const ResultsData &data, const ChartRequest &request, const PaperTheme &theme);

}  // namespace inoculab::ui::charts
