#pragma once
// The report as HTML (docs/report.md): one self-contained file, every figure inline as SVG with
// its caption and the numbers it draws, the summary and elicitation tables, and the provenance a
// reader needs to judge the experiment from that file alone. The PDF (report_pdf.h) lays out the
// same HTML, with the figures painted as vectors where the placeholders stand.
#include "report_data.h"

#include "charts/chart_data.h"

#include <QString>

#include <vector>

namespace inoculab::ui::report {

// The figures a report shows for the experiment's data, in order.
struct ReportFigure {
    QString title;
    charts::ChartRequest request;
};
std::vector<ReportFigure> reportFigures(const charts::ResultsData &data);

// Figures: inline SVG (the HTML file), or a paragraph holding figurePlaceholder(i) that the PDF
// writer replaces with the painted figure (Qt's rich text has no SVG).
enum class FigureMode { InlineSvg, Placeholder };
QString figurePlaceholder(std::size_t index);

QString reportHtml(const ReportData &report, FigureMode mode);

// The size (points) at which figures are laid out in the report.
constexpr double kFigureWidth = 640, kFigureHeight = 400;

}  // namespace inoculab::ui::report
