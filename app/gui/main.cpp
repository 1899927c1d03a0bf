// inoculab: the desktop workbench.
//   inoculab [--spec SPEC.json] [--store DB] [--cache DIR] [DATASET.jsonl]
#include "main_window.h"

#include "store/results_store.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QSettings>

int main(int argc, char **argv) {
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("Inoculab"));
    QApplication::setOrganizationName(QStringLiteral("Inoculab"));
    QApplication::setApplicationVersion(QStringLiteral(INOCULAB_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Research workbench for inoculation prompting"));
    parser.addHelpOption();
    parser.addVersionOption();
    QCommandLineOption spec(QStringLiteral("spec"), QStringLiteral("Experiment spec to open"), QStringLiteral("SPEC"));
    QCommandLineOption store(QStringLiteral("store"), QStringLiteral("Results store (default: the last one used)"),
                             QStringLiteral("DB"));
    QCommandLineOption cache(QStringLiteral("cache"), QStringLiteral("Folder of base models and checkpoints"),
                             QStringLiteral("DIR"));
    parser.addOptions({spec, store, cache});
    parser.addPositionalArgument(QStringLiteral("dataset"), QStringLiteral("Chat dataset (JSONL) to open"));
    parser.process(app);

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
