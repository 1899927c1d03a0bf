#pragma once
// The report as a PDF: the HTML of report_html.h (figures as placeholders) laid out on landscape
// A4 pages by QTextDocument, each placeholder replaced by an inline object that paints the
// figure's chart scene, so figures stay vector paths and text in the PDF.
#include "report_data.h"

#include <QIODevice>

namespace inoculab::ui::report {

void writeReportPdf(const ReportData &report, QIODevice &device);

}  // namespace inoculab::ui::report
