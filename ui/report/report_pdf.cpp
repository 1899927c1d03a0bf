#include "report_pdf.h"

#include "report_html.h"

#include "charts/figure_export.h"

#include <QAbstractTextDocumentLayout>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
#include <QTextCursor>
#include <QTextDocument>
#include <QTextObjectInterface>

#include <memory>
#include <vector>

namespace inoculab::ui::report {

namespace {

constexpr int kFigureObject = QTextFormat::UserObject + 1;
constexpr int kFigureIndex = QTextFormat::UserProperty + 1;

// Draws figure N where the document holds an object of kFigureObject with index N, at the
// page's text width and the figure's aspect ratio.
class FigureObject : public QObject, public QTextObjectInterface {
    Q_OBJECT
    Q_INTERFACES(QTextObjectInterface)
public:
    FigureObject(std::vector<std::unique_ptr<charts::LaidOutFigure>> &figures, double width)
        : m_figures(figures), m_width(width) {}

    QSizeF intrinsicSize(QTextDocument *, int, const QTextFormat &format) override {
        const QRectF r = figure(format).rect();
        return QSizeF(m_width, m_width * r.height() / r.width());
    }
    void drawObject(QPainter *painter, const QRectF &rect, QTextDocument *, int, const QTextFormat &format) override {
        painter->save();  // the chart's painting changes pen, brush and clip; the text after it needs them back
        figure(format).paint(*painter, rect);
        painter->restore();
    }

private:
    charts::LaidOutFigure &figure(const QTextFormat &format) {
        return *m_figures.at(std::size_t(format.intProperty(kFigureIndex)));
    }
    std::vector<std::unique_ptr<charts::LaidOutFigure>> &m_figures;
    double m_width;
};

}  // namespace

void writeReportPdf(const ReportData &report, QIODevice &device) {
    QPdfWriter pdf(&device);
    pdf.setCreator(QStringLiteral("Inoculab"));
    pdf.setTitle(QStringLiteral("Inoculab report: ") + QString::fromStdString(report.experiment.name));
    pdf.setResolution(72);  // document units are points
    pdf.setPageSize(QPageSize(QPageSize::A4));
    pdf.setPageOrientation(QPageLayout::Landscape);  // the tables of many columns fit its width
    pdf.setPageMargins(QMarginsF(36, 36, 36, 36), QPageLayout::Point);

    charts::FigureOptions options;
    options.size = QSizeF(kFigureWidth, kFigureHeight);
    options.theme.fontPoints = 11;
    std::vector<std::unique_ptr<charts::LaidOutFigure>> figures;
    for (const ReportFigure &f : reportFigures(report.results))
        figures.push_back(std::make_unique<charts::LaidOutFigure>(report.results, f.request, options));

    QTextDocument document;
    QFont font = document.defaultFont();
    font.setPointSizeF(8);  // tables of many columns fit an A4 page
    document.setDefaultFont(font);
    const QRectF page = pdf.pageLayout().paintRectPoints();
    document.setPageSize(page.size());
    FigureObject handler(figures, page.width() - 8);
    document.documentLayout()->registerHandler(kFigureObject, &handler);
    document.setHtml(reportHtml(report, FigureMode::Placeholder));
    for (std::size_t i = 0; i < figures.size(); ++i) {
        QTextCursor at = document.find(figurePlaceholder(i));
        if (at.isNull()) continue;
        QTextCharFormat format;
        format.setObjectType(kFigureObject);
        format.setProperty(kFigureIndex, int(i));
        at.insertText(QString(QChar::ObjectReplacementCharacter), format);
    }
    // Laid out again whole: after these edits Qt 6.4's incremental relayout left some later
    // blocks unlaid (height 0), and they were missing from the pages.
    document.markContentsDirty(0, document.characterCount());
    // Pages painted one by one from this document's own layout (print() would lay out a copy
    // without the figure handler), each with its number at the foot.
    const int pages = document.pageCount();
    QPainter painter(&pdf);
    const double height = page.height();
    QFont footer = font;
    footer.setPointSizeF(7);
    for (int i = 0; i < pages; ++i) {
        if (i > 0) pdf.newPage();
        painter.save();
        painter.translate(0, -i * height);
        document.drawContents(&painter, QRectF(0, i * height, page.width(), height));
        painter.restore();
        painter.setFont(footer);
        painter.drawText(QRectF(0, height + 12, page.width(), 12), Qt::AlignRight,
                         QStringLiteral("%1 · %2 / %3").arg(QString::fromStdString(report.experiment.name)).arg(i + 1).arg(pages));
    }
}

}  // namespace inoculab::ui::report

#include "report_pdf.moc"
