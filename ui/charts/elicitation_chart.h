#pragma once
// Does a prompt that elicits the trait before training suppress it after? Per inoculated
// condition (colour) and trait (marker shape): the drop in initial training loss against the
// baseline (x) and the suppression, baseline minus condition trait expression (y), with the
// 95% intervals of the condition's values as error bars in both directions.
#include "chart_data.h"
#include "paper_theme.h"

class QChart;

namespace inoculab::ui::charts {

// Needs a baseline condition; without one the chart says so in its title and has no points.
QChart *buildElicitationChart(const ResultsData &data, const ChartRequest &request, const PaperTheme &theme);

}  // namespace inoculab::ui::charts
