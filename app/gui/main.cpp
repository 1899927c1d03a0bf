// inoculab: the desktop workbench. `inoculab [DATASET.jsonl]` opens a dataset at start.
#include "main_window.h"

#include <QApplication>
#include <QCommandLineParser>

int main(int argc, char **argv) {
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("Inoculab"));
    QApplication::setOrganizationName(QStringLiteral("Inoculab"));
    QApplication::setApplicationVersion(QStringLiteral(INOCULAB_VERSION));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Research workbench for inoculation prompting"));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("dataset"), QStringLiteral("Chat dataset (JSONL) to open"));
    parser.process(app);

    inoculab::ui::MainWindow window;
    window.show();
    if (!parser.positionalArguments().isEmpty()) window.openDataset(parser.positionalArguments().first());
    return app.exec();
}
