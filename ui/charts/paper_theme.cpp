#include "paper_theme.h"

#include <QAbstractAxis>
#include <QChart>
#include <QGraphicsLayout>
#include <QLegend>
#include <QLegendMarker>

#include <cmath>

namespace inoculab::ui::charts {

QColor paletteColor(int index) {
    static const QColor okabeIto[] = {QColor(0x00, 0x00, 0x00), QColor(0xE6, 0x9F, 0x00), QColor(0x56, 0xB4, 0xE9),
                                      QColor(0x00, 0x9E, 0x73), QColor(0x00, 0x72, 0xB2), QColor(0xD5, 0x5E, 0x00),
                                      QColor(0xCC, 0x79, 0xA7), QColor(0xF0, 0xE4, 0x42)};
    return okabeIto[index % 8];
}

QFont themeFont(const PaperTheme &theme, double scale) {
    QFont font;
    if (theme.paper) {
        font = QFont(theme.serif ? QStringLiteral("DejaVu Serif") : QStringLiteral("DejaVu Sans"));
        font.setStyleHint(theme.serif ? QFont::Serif : QFont::SansSerif);
        font.setPixelSize(std::max(1, int(std::lround(theme.fontPoints * scale * theme.unitsPerPoint))));
    } else if (scale != 1.0) {
        font.setPointSizeF(font.pointSizeF() * scale);
    }
    return font;
}

void applyTheme(QChart *chart, const PaperTheme &theme) {
    QFont font = themeFont(theme);
    QFont title = themeFont(theme, 1.1);
    title.setBold(true);
    chart->setTitleFont(title);
    chart->legend()->setFont(font);
    for (QAbstractAxis *axis : chart->axes()) {
        axis->setLabelsFont(font);
        axis->setTitleFont(font);
        axis->setLabelsColor(Qt::black);
        axis->setTitleBrush(Qt::black);
        axis->setLinePenColor(QColor(0x40, 0x40, 0x40));
        axis->setGridLineColor(QColor(0xDD, 0xDD, 0xDD));
    }
    chart->legend()->setLabelColor(Qt::black);
    chart->setAnimationOptions(QChart::NoAnimation);
    if (theme.paper) {
        chart->setBackgroundVisible(theme.background);
        chart->setBackgroundBrush(Qt::white);
        chart->setBackgroundPen(Qt::NoPen);
        chart->setPlotAreaBackgroundVisible(false);
        chart->setDropShadowEnabled(false);
        chart->setBackgroundRoundness(0);
        double m = 4 * theme.unitsPerPoint;
        chart->setMargins(QMargins(int(m), int(m), int(m), int(m)));
        chart->layout()->setContentsMargins(0, 0, 0, 0);
    }
}

void placeLegend(QChart *chart) {
    // One row below holds about 100 characters of labels at the usual figure widths.
    constexpr qsizetype kRowCharacters = 100;
    qsizetype characters = 0;
    for (QLegendMarker *marker : chart->legend()->markers())
        if (!marker->property("hidden").toBool()) characters += marker->label().size() + 4;  // marker and gap
    chart->legend()->setAlignment(characters > kRowCharacters ? Qt::AlignRight : Qt::AlignBottom);
}

}  // namespace inoculab::ui::charts
