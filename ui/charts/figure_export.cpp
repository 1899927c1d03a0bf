#include "figure_export.h"

#include "combined_data.h"
#include "curve_chart.h"
#include "elicitation_chart.h"
#include "elicitation_relation.h"
#include "figure_caption.h"
#include "scatter_chart.h"
#include "trait_chart.h"

#include <QBuffer>
#include <QChart>
#include <QCoreApplication>
#include <QFileInfo>
#include <QGraphicsLayout>
#include <QGraphicsScene>
#include <QImage>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
#include <QRegularExpression>
#include <QSaveFile>
#include <QSvgGenerator>
#include <QTextStream>

#include <cmath>
#include <memory>

namespace inoculab::ui::charts {

std::optional<FigureFormat> formatForPath(const QString &path) {
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix == QLatin1String("svg")) return FigureFormat::Svg;
    if (suffix == QLatin1String("pdf")) return FigureFormat::Pdf;
    if (suffix == QLatin1String("png")) return FigureFormat::Png;
    if (suffix == QLatin1String("csv")) return FigureFormat::Csv;
    if (suffix == QLatin1String("tex")) return FigureFormat::Latex;
    return std::nullopt;
}

QChart *buildChart(const ResultsData &data, const ChartRequest &request, const PaperTheme &theme) {
    switch (request.kind) {
        case ChartKind::Curves: return buildCurveChart(data, request, theme);
        case ChartKind::Elicitation: return buildElicitationChart(data, request, theme);
        case ChartKind::Scatter: return buildScatterChart(data, request, theme);
        case ChartKind::Expression: break;
    }
    return buildTraitChart(data, request, theme);
}

namespace {

bool writeText(const QString &path, const QString &text, QString *error) {
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(text.toUtf8()) < 0 || !file.commit()) {
        *error = QStringLiteral("%1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

void writeSvg(LaidOutFigure &figure, const QString &title, QIODevice &device) {
    QSvgGenerator svg;
    svg.setOutputDevice(&device);
    svg.setResolution(72);  // one unit per point: the figure has its physical size
    svg.setSize(figure.rect().size().toSize());
    svg.setViewBox(figure.rect());
    svg.setTitle(title);
    svg.setDescription(QStringLiteral("Inoculab figure"));
    QPainter painter(&svg);
    figure.paint(painter, figure.rect());
}

}  // namespace

LaidOutFigure::LaidOutFigure(const ResultsData &data, const ChartRequest &request, const FigureOptions &options)
    : m_rect(QPointF(0, 0), options.size) {
    // The chart is laid out in points inside its own scene, then painted onto a device.
    QChart *chart = buildChart(data, request, options.theme);
    m_scene.addItem(chart);  // the scene owns and deletes it
    chart->setGeometry(m_rect);
    m_scene.setSceneRect(m_rect);
    // Qt Charts lays out axes and series on posted layout requests: deliver them before
    // painting, or a chart never shown would be drawn at its default geometry.
    chart->layout()->activate();
    QCoreApplication::sendPostedEvents();
    chart->layout()->activate();
}

void LaidOutFigure::paint(QPainter &painter, const QRectF &target) {
    painter.setRenderHint(QPainter::Antialiasing);
    m_scene.render(&painter, target, m_rect);
}

QByteArray figureSvg(const ResultsData &data, const ChartRequest &request, const FigureOptions &options) {
    LaidOutFigure figure(data, request, options);
    QBuffer buffer;
    buffer.open(QIODevice::WriteOnly);
    writeSvg(figure, figureCaption(data, request), buffer);
    return buffer.data();
}

bool exportFigure(const ResultsData &data, const ChartRequest &request, const FigureOptions &options,
                  const QString &path, QString *error) {
    std::optional<FigureFormat> format = formatForPath(path);
    if (!format) {
        *error = QStringLiteral("%1: unknown format (use .svg, .pdf, .png, .csv or .tex)").arg(path);
        return false;
    }
    if (*format == FigureFormat::Csv) return writeText(path, tableToCsv(numbersTable(data, request)), error);
    if (*format == FigureFormat::Latex)
        return writeText(path, tableToLatex(numbersTable(data, request), figureCaption(data, request)), error);
    if (!(options.size.width() >= 16 && options.size.height() >= 16) || options.dpi < 10) {
        *error = QStringLiteral("%1: figure size %2 x %3 pt at %4 dpi is too small")
                     .arg(path)
                     .arg(options.size.width())
                     .arg(options.size.height())
                     .arg(options.dpi);
        return false;
    }

    LaidOutFigure figure(data, request, options);
    const QRectF rect = figure.rect();

    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)) {
        *error = QStringLiteral("%1: %2").arg(path, file.errorString());
        return false;
    }
    if (*format == FigureFormat::Svg) {
        writeSvg(figure, figureCaption(data, request), file);
    } else if (*format == FigureFormat::Pdf) {
        QPdfWriter pdf(&file);
        pdf.setCreator(QStringLiteral("Inoculab"));
        pdf.setTitle(figureCaption(data, request));
        pdf.setResolution(72);
        pdf.setPageSize(QPageSize(options.size, QPageSize::Point, QString(), QPageSize::ExactMatch));
        pdf.setPageMargins(QMarginsF(0, 0, 0, 0));
        QPainter painter(&pdf);
        figure.paint(painter, rect);
    } else {
        const double scale = options.dpi / 72.0;
        QImage image(
            QSize(int(std::lround(options.size.width() * scale)), int(std::lround(options.size.height() * scale))),
            QImage::Format_ARGB32_Premultiplied);
        image.fill(Qt::white);  // papers want an opaque image; the vector formats stay transparent
        image.setDotsPerMeterX(int(std::lround(options.dpi / 0.0254)));
        image.setDotsPerMeterY(int(std::lround(options.dpi / 0.0254)));
        {
            QPainter painter(&image);
            painter.setRenderHints(QPainter::TextAntialiasing | QPainter::SmoothPixmapTransform);
            figure.paint(painter, QRectF(QPointF(0, 0), QSizeF(image.size())));
        }
        if (!image.save(&file, "PNG")) {
            *error = QStringLiteral("%1: cannot encode the PNG image").arg(path);
            return false;
        }
    }
    if (!file.commit()) {
        *error = QStringLiteral("%1: %2").arg(path, file.errorString());
        return false;
    }
    return true;
}

int runHeadlessExport(const HeadlessExport &args, QTextStream &err) {
    auto fail = [&](const QString &message) {
        err << "inoculab: " << message << Qt::endl;
        return 2;
    };
    std::optional<ChartKind> kind = parseChartKind(args.kind);
    if (!kind)
        return fail(
            QStringLiteral("--export-figure: unknown kind \"%1\" (expression, curves, elicitation or scatter)").arg(args.kind));
    if (args.store.isEmpty()) return fail(QStringLiteral("--store: required with --export-figure"));
    if (args.experiment.isEmpty()) return fail(QStringLiteral("--experiment: required with --export-figure"));
    if (args.out.isEmpty()) return fail(QStringLiteral("--out: required with --export-figure"));
    if (!formatForPath(args.out))
        return fail(
            QStringLiteral("--out: %1: use a .svg, .pdf or .png file (or .csv, .tex for the numbers)").arg(args.out));
    FigureOptions options;
    options.size = QSizeF(640, 400);
    options.dpi = 72;  // WxH are pixels of the PNG and points of the vector page
    options.theme.fontPoints = 11;
    if (!args.size.isEmpty()) {
        QRegularExpressionMatch m = QRegularExpression(QStringLiteral("^(\\d+)[xX](\\d+)$")).match(args.size);
        if (!m.hasMatch() || m.captured(1).toInt() < 16 || m.captured(2).toInt() < 16 ||
            m.captured(1).toInt() > 20000 || m.captured(2).toInt() > 20000)
            return fail(
                QStringLiteral("--size: \"%1\" is not WIDTHxHEIGHT in pixels (16 to 20000 each)").arg(args.size));
        options.size = QSizeF(m.captured(1).toInt(), m.captured(2).toInt());
        options.theme.fontPoints = std::clamp(options.size.height() / 36.0, 7.0, 28.0);
    }
    if (!QFileInfo::exists(args.store)) return fail(QStringLiteral("--store: %1: no such file").arg(args.store));
    ResultsData data;
    try {
        QStringList known;
        std::optional<std::int64_t> id = findExperimentId(args.store, args.experiment, &known);
        if (!id)
            return fail(QStringLiteral("--experiment: no experiment \"%1\" in %2 (%3)")
                            .arg(args.experiment, args.store,
                                 known.isEmpty() ? QStringLiteral("it has none")
                                                 : QStringLiteral("it has: ") + known.join(QStringLiteral(", "))));
        data = loadResultsData(args.store, *id);
    } catch (const std::exception &e) {
        return fail(QStringLiteral("--store: %1").arg(QString::fromStdString(e.what())));
    }
    try {
        if (!args.compare.isEmpty()) {
            std::vector<ExperimentRef> refs{{args.store, args.experiment}};
            for (const QString &c : args.compare) refs.push_back(parseExperimentRef(c, args.store));
            data = loadCombined(refs);
        }
    } catch (const std::exception &e) {
        return fail(QStringLiteral("--compare: %1").arg(QString::fromStdString(e.what())));
    }
    ChartRequest request;
    request.kind = *kind;
    request.context = args.context;
    request.series = args.series;
    request.bars = args.bars;
    QStringList contexts;
    for (const std::string &c : data.contents.contexts) contexts << QString::fromStdString(c);
    if (!args.context.isEmpty() && !contexts.contains(args.context))
        return fail(QStringLiteral("--context: no context \"%1\" in experiment \"%2\" (it has: %3)")
                        .arg(args.context, data.experimentName, contexts.join(QStringLiteral(", "))));
    QStringList traits;
    for (const std::string &t : data.contents.traits) traits << QString::fromStdString(t);
    for (const QString &t : args.traits.split(',', Qt::SkipEmptyParts)) {
        if (!traits.contains(t.trimmed()))
            return fail(QStringLiteral("--traits: no trait \"%1\" in experiment \"%2\" (it has: %3)")
                            .arg(t.trimmed(), data.experimentName, traits.join(QStringLiteral(", "))));
        request.traits << t.trimmed();
    }
    // --series: a curve's series, or the elicitation figure's x measure.
    const QStringList series = *kind == ChartKind::Elicitation ? elicitationMeasures(data) : curveSeries(data);
    if (!args.series.isEmpty() && !series.contains(args.series))
        return fail(QStringLiteral("--series: no series \"%1\" in experiment \"%2\" (it has: %3)")
                        .arg(args.series, data.experimentName, series.join(QStringLiteral(", "))));
    QString error;
    if (!exportFigure(data, request, options, args.out, &error)) {
        err << "inoculab: " << error << Qt::endl;
        return 1;
    }
    return 0;
}

}  // namespace inoculab::ui::charts
