#pragma once
// A figure's caption: what it shows, how many models each point or curve stands for, and the
// interval method, as a paper's caption states them; for elicitation against suppression
// also the fit and correlations. Exports write it as the SVG and PDF title and the LaTeX
// caption; the Results workspace shows it under the chart.
#include "chart_data.h"

#include <QString>

namespace inoculab::ui::charts {

QString figureCaption(const ResultsData &data, const ChartRequest &request);

}  // namespace inoculab::ui::charts
