// inoculab: the desktop workbench.
//   inoculab [--spec SPEC.json] [--store DB] [--cache DIR] [DATASET.jsonl]
//   inoculab --export-figure KIND --store DB --experiment NAME [--context C] [--traits a,b]
//            [--size WxH] --out FILE.svg|pdf|png      (no window; for scripts)
//   inoculab --report --store DB --experiment NAME --out FILE.html|pdf   (no window; what
//            `inoculab-cli report` runs)
#include "charts/figure_export.h"
#include "main_window.h"
#include "report/report_writer.h"

#include "store/results_store.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QSettings>
#include <QTextStream>

#include <cstdio>
#include <cstring>

int main(int argc, char **argv) {
    // A figure export or a report opens no window, so it must not need a display either.
    for (int i = 1; i < argc; ++i)
        if ((std::strncmp(argv[i], "--export-figure", 15) == 0 || std::strcmp(argv[i], "--report") == 0) &&
            !qEnvironmentVariableIsSet("QT_QPA_PLATFORM"))
            qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("Inoculab"));
    QApplication::setOrganizationName(QStringLiteral("Inoculab"));
    QApplication::setApplicationVersion(QStringLiteral(INOCULAB_VERSION " (built against " INOCULAB_TORCH_BUILD ")"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Research workbench for inoculation prompting"));
    parser.addHelpOption();
    parser.addVersionOption();
    QCommandLineOption spec(QStringLiteral("spec"), QStringLiteral("Experiment spec to open"), QStringLiteral("SPEC"));
    QCommandLineOption store(QStringLiteral("store"), QStringLiteral("Results store (default: the last one used)"),
                             QStringLiteral("DB"));
    QCommandLineOption cache(QStringLiteral("cache"), QStringLiteral("Folder of base models and checkpoints"),
                             QStringLiteral("DIR"));
    QCommandLineOption exportFigure(
        QStringLiteral("export-figure"),
        QStringLiteral("Write a figure without opening a window: expression, curves, elicitation or scatter"),
        QStringLiteral("KIND"));
    QCommandLineOption report(QStringLiteral("report"),
                              QStringLiteral("Write the experiment's report (--out FILE.html or .pdf) without a window"));
    QCommandLineOption experiment(QStringLiteral("experiment"),
                                  QStringLiteral("With --export-figure or --report: experiment name or spec hash prefix"),
                                  QStringLiteral("NAME"));
    QCommandLineOption context(QStringLiteral("context"),
                               QStringLiteral("With --export-figure: only this test-time context"),
                               QStringLiteral("C"));
    QCommandLineOption traits(QStringLiteral("traits"), QStringLiteral("With --export-figure: traits to show (a,b)"),
                              QStringLiteral("LIST"));
    QCommandLineOption series(QStringLiteral("series"),
                              QStringLiteral("With --export-figure curves: metric:NAME, probe:NAME or trait:NAME; "
                                             "elicitation: the x measure, metric:train_loss, check:drop, check:ph or check:trait"),
                              QStringLiteral("SERIES"));
    QCommandLineOption compare(QStringLiteral("compare"),
                               QStringLiteral("With --export-figure: draw this experiment's conditions beside the "
                                              "first's (NAME or NAME@STORE; repeatable)"),
                               QStringLiteral("NAME[@STORE]"));
    QCommandLineOption bars(QStringLiteral("bars"), QStringLiteral("With --export-figure expression: bars, not dots"));
    QCommandLineOption size(QStringLiteral("size"),
                            QStringLiteral("With --export-figure: WIDTHxHEIGHT in pixels (default 640x400)"),
                            QStringLiteral("WxH"));
    QCommandLineOption out(QStringLiteral("out"), QStringLiteral("With --export-figure: FILE.svg, .pdf or .png; with --report: FILE.html or .pdf"),
                           QStringLiteral("FILE"));
    parser.addOptions(
        {spec, store, cache, exportFigure, report, experiment, context, traits, series, compare, bars, size, out});
    parser.addPositionalArgument(QStringLiteral("dataset"), QStringLiteral("Chat dataset (JSONL) to open"));
    parser.process(app);

    if (parser.isSet(report)) {
        QTextStream err(stderr);
        return inoculab::ui::report::runHeadlessReport(parser.value(store), parser.value(experiment), parser.value(out),
                                                       err);
    }
    if (parser.isSet(exportFigure)) {
        inoculab::ui::charts::HeadlessExport args;
        args.kind = parser.value(exportFigure);
        args.store = parser.value(store);
        args.experiment = parser.value(experiment);
        args.context = parser.value(context);
        args.traits = parser.value(traits);
        args.series = parser.value(series);
        args.bars = parser.isSet(bars);
        args.compare = parser.values(compare);
        args.size = parser.value(size);
        args.out = parser.value(out);
        QTextStream err(stderr);
        return inoculab::ui::charts::runHeadlessExport(args, err);
    }

    inoculab::ui::MainWindow window;
    QString storePath = parser.value(store);
    if (storePath.isEmpty()) storePath = QSettings().value(QStringLiteral("storePath")).toString();
    if (storePath.isEmpty()) storePath = QString::fromStdString(inoculab::store::ResultsStore::defaultPath());
    if (parser.isSet(cache)) window.setCacheDir(parser.value(cache));
    if (parser.isSet(spec)) window.openSpec(parser.value(spec));
    window.openStore(storePath);
    window.show();
    // Opened in the background of whichever workspace the user left last.
    if (!parser.positionalArguments().isEmpty()) window.openDataset(parser.positionalArguments().first(), false);
    return app.exec();
}
