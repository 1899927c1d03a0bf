#pragma once
// Figures as files: any chart as SVG, PDF (vector paths and text, drawn with QPainter from the
// chart's scene) or PNG, and its numbers as CSV or a LaTeX table. The Results workspace's
// export dialog and the headless `inoculab --export-figure` share this code.
#include "chart_data.h"
#include "paper_theme.h"

#include <QByteArray>
#include <QGraphicsScene>
#include <QSizeF>
#include <QString>
#include <QStringList>

#include <optional>

class QChart;
class QPainter;
class QTextStream;

namespace inoculab::ui::charts {

enum class FigureFormat { Svg, Pdf, Png, Csv, Latex };
// By the file's extension (.svg, .pdf, .png, .csv, .tex); nullopt for any other.
std::optional<FigureFormat> formatForPath(const QString &path);

struct FigureOptions {
    QSizeF size{360, 240};  // logical size in points (1/72 in): SVG and PDF page size
    double dpi = 300;       // PNG: pixels = size / 72 * dpi
    PaperTheme theme{true};
};

// Builds the chart the request asks for (the caller owns it).
QChart *buildChart(const ResultsData &data, const ChartRequest &request, const PaperTheme &theme);

// A chart laid out at the options' size (points) in a scene of its own, ready to be painted
// onto any device: the figure files, and the report's pages (ui/report).
class LaidOutFigure {
public:
    LaidOutFigure(const ResultsData &data, const ChartRequest &request, const FigureOptions &options);
    QRectF rect() const { return m_rect; }
    void paint(QPainter &painter, const QRectF &target);

private:
    QGraphicsScene m_scene;  // owns the chart
    QRectF m_rect;
};

// The figure as a standalone SVG document (what a .svg export writes).
QByteArray figureSvg(const ResultsData &data, const ChartRequest &request, const FigureOptions &options);

// Writes the figure or table; on failure returns false with `error` naming the file and reason.
// Files are replaced only once complete.
bool exportFigure(const ResultsData &data, const ChartRequest &request, const FigureOptions &options,
                  const QString &path, QString *error);

// `inoculab --export-figure KIND --store DB --experiment NAME [--context C] [--traits a,b]
// [--size WxH] --out FILE`: 0 on success, 2 with a message on `err` for a bad argument,
// store, experiment, context or trait, 1 when the file cannot be written. WxH are PNG pixels
// and the same logical size for SVG and PDF.
// --compare NAME[@STORE] (repeatable) draws those experiments' conditions beside the first's
// (combined_data.h).
struct HeadlessExport {
    QString kind, store, experiment, context, traits, size, out, series;
    QStringList compare;
    bool bars = false;
};
int runHeadlessExport(const HeadlessExport &args, QTextStream &err);

}  // namespace inoculab::ui::charts
