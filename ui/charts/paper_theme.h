#pragma once
// PaperTheme: how a chart looks, on screen and in a paper. Colours come from the Okabe–Ito
// palette (distinguishable with the common colour-vision deficiencies) in both cases; the
// paper look adds a chosen font family and size and drops the chart and plot backgrounds.
#include <QColor>
#include <QFont>
#include <QString>

class QChart;

namespace inoculab::ui::charts {

struct PaperTheme {
    bool paper = false;  // false: the screen look (system fonts, light background)
    bool serif = false;
    double fontPoints = 9;
    bool background = false;  // paper: keep a white chart background (otherwise none)
    // Chart units per typographic point. Exports lay the figure out in points (1/72 in), so
    // fonts get pixel sizes in those units: layout and painting then agree on any device.
    double unitsPerPoint = 1.0;
};

// The i-th colour of the Okabe–Ito palette (black first, yellow last: it is the palest).
QColor paletteColor(int index);
QFont themeFont(const PaperTheme &theme, double scale = 1.0);
// Fonts, backgrounds and margins of a built chart (series colours are set by the builders).
void applyTheme(QChart *chart, const PaperTheme &theme);
// The legend below the plot, or at its right when its visible labels are too long to share
// one row (Qt elides them there): experiments side by side name every condition twice over.
void placeLegend(QChart *chart);

}  // namespace inoculab::ui::charts
