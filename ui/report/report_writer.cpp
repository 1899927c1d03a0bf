#include "report_writer.h"

#include "report_data.h"
#include "report_html.h"
#include "report_pdf.h"

#include "charts/chart_data.h"
#include "store/results_store.h"

#include <QFileInfo>
#include <QSaveFile>
#include <QTextStream>

namespace inoculab::ui::report {

bool writeReport(const QString &storePath, std::int64_t experimentId, const QString &out, QString *error) {
    const QString suffix = QFileInfo(out).suffix().toLower();
    if (suffix != QLatin1String("html") && suffix != QLatin1String("htm") && suffix != QLatin1String("pdf")) {
        *error = QStringLiteral("%1: use a .html or .pdf file").arg(out);
        return false;
    }
    ReportData data;
    try {
        data = loadReportData(storePath, experimentId);
    } catch (const std::exception &e) {
        *error = QString::fromStdString(e.what());
        return false;
    }
    QSaveFile file(out);
    if (!file.open(QIODevice::WriteOnly)) {
        *error = QStringLiteral("%1: %2").arg(out, file.errorString());
        return false;
    }
    if (suffix == QLatin1String("pdf"))
        writeReportPdf(data, file);
    else
        file.write(reportHtml(data, FigureMode::InlineSvg).toUtf8());
    if (!file.commit()) {
        *error = QStringLiteral("%1: %2").arg(out, file.errorString());
        return false;
    }
    return true;
}

int runHeadlessReport(const QString &store, const QString &experiment, const QString &out, QTextStream &err) {
    auto fail = [&](const QString &message, int code) {
        err << "inoculab: " << message << Qt::endl;
        return code;
    };
    if (store.isEmpty()) return fail(QStringLiteral("--store: required with --report"), 1);
    if (experiment.isEmpty()) return fail(QStringLiteral("--experiment: required with --report"), 1);
    if (out.isEmpty()) return fail(QStringLiteral("--out: required with --report"), 1);
    const QString suffix = QFileInfo(out).suffix().toLower();
    if (suffix != QLatin1String("html") && suffix != QLatin1String("htm") && suffix != QLatin1String("pdf"))
        return fail(QStringLiteral("--out: %1: use a .html or .pdf file").arg(out), 1);
    if (!QFileInfo::exists(store)) return fail(QStringLiteral("--store: %1: no such file").arg(store), 2);
    std::optional<std::int64_t> id;
    try {
        // Read-write once, as the workbench opens a store: one written by an older Inoculab is
        // migrated (a read-only open refuses it), the same as opening it in the workbench.
        store::ResultsStore::open(store.toStdString());
        QStringList known;
        id = charts::findExperimentId(store, experiment, &known);
        if (!id)
            return fail(QStringLiteral("--experiment: no experiment \"%1\" in %2 (%3)")
                            .arg(experiment, store,
                                 known.isEmpty() ? QStringLiteral("it has none")
                                                 : QStringLiteral("it has: ") + known.join(QStringLiteral(", "))),
                        2);
    } catch (const std::exception &e) {
        return fail(QStringLiteral("--store: %1").arg(QString::fromStdString(e.what())), 2);
    }
    QString error;
    if (!writeReport(store, *id, out, &error)) return fail(error, 3);
    return 0;
}

}  // namespace inoculab::ui::report
