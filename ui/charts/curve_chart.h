#pragma once
// A quantity over training steps, per condition: the mean across seeds as a line with its
// 95% interval as a shaded band (a training metric, a probe's log-probability or a trait's
// expression at each evaluated step).
#include "chart_data.h"
#include "paper_theme.h"

class QChart;

namespace inoculab::ui::charts {

// Series carry "role" ("curve" for the mean lines, named by condition; "band") and "condition".
QChart *buildCurveChart(const ResultsData &data, const ChartRequest &request, const PaperTheme &theme);

}  // namespace inoculab::ui::charts
