// The Results charts as a researcher uses them: a real experiment run by the CLI, its chart's
// dots and error bars checked against `results summary --json`, curves and elicitation drawn
// from the same store, figures exported from the dialog and from the headless
// `inoculab --export-figure`, and each file checked for what a paper needs (vector paths and
// text in SVG and PDF, the requested pixel size in PNG). Writes a screenshot.
#include "test_support.h"

#include "screenshots.h"

#include "charts/chart_data.h"
#include "charts/figure_export.h"
#include "main_window.h"
#include "results/export_dialog.h"
#include "results/results_workspace.h"

#include <QApplication>
#include <QAreaSeries>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QProcess>
#include <QScatterSeries>
#include <QSettings>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableWidget>
#include <QXmlStreamReader>

#include <cmath>

using namespace inoculab;
using ui::MainWindow;
namespace charts = inoculab::ui::charts;

namespace {

QString smokeSpec() { return test::sourcePath(QStringLiteral("tests/cli/data/smoke-experiment.json")); }

bool near(double a, double b) { return std::abs(a - b) < 1e-9; }

// Series of the chart with the given role and properties.
QList<QXYSeries *> seriesWith(QChart *chart, const QString &role, const QString &condition = {},
                              const QString &trait = {}, const QString &context = {}) {
    QList<QXYSeries *> out;
    for (QAbstractSeries *s : chart->series()) {
        auto *xy = qobject_cast<QXYSeries *>(s);
        if (!xy || s->property("role").toString() != role) continue;
        if (!condition.isEmpty() && s->property("condition").toString() != condition) continue;
        if (!trait.isEmpty() && s->property("trait").toString() != trait) continue;
        if (!context.isEmpty() && s->property("context").toString() != context) continue;
        out << xy;
    }
    return out;
}

}  // namespace

class TestResultsCharts : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QJsonArray m_summary;
    QString m_store;

    QString path(const char *name) const { return m_dir.filePath(QLatin1String(name)); }

    // Waits for the Results workspace of a window opened on the test store.
    static bool loaded(ui::ResultsWorkspace *results) {
        return QTest::qWaitFor([&] { return !results->isLoading() && results->data() != nullptr; }, 30000);
    }

    // Shows the window on the smoke spec and the test store; the Results workspace loaded.
    bool openResults(MainWindow &window) {
        window.show();
        return window.openSpec(smokeSpec()) && window.openStore(m_store) && loaded(window.resultsWorkspace());
    }

    int runGui(const QStringList &args, QByteArray *err) {
        QProcess gui;
        gui.start(QStringLiteral(INOCULAB_GUI), args);
        if (!gui.waitForFinished(60000)) return -1;
        *err = gui.readAllStandardError();
        return gui.exitStatus() == QProcess::NormalExit ? gui.exitCode() : -1;
    }

private Q_SLOTS:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QApplication::setOrganizationName(QStringLiteral("InoculabTests"));
        QApplication::setApplicationName(QStringLiteral("test_results_charts"));
        QSettings().clear();
        m_store = path("runs.sqlite");
        // Two conditions x two seeds: enough for intervals, quick to train.
        QProcess cli;
        cli.start(qEnvironmentVariable("INOCULAB_CLI"),
                  {"experiment", "run", smokeSpec(), "--store", m_store, "--cache", path("cache"), "--progress", "none",
                   "--conditions", "baseline,inoc-spanish", "--seeds", "0,1"});
        QVERIFY(cli.waitForFinished(180000));
        QVERIFY2(cli.exitCode() == 0, cli.readAllStandardError().constData());
        QProcess summary;
        summary.start(qEnvironmentVariable("INOCULAB_CLI"),
                      {"results", "summary", "--store", m_store, "--experiment", "smoke", "--json"});
        QVERIFY(summary.waitForFinished(30000));
        m_summary = QJsonDocument::fromJson(summary.readAllStandardOutput()).array();
        QCOMPARE(m_summary.size(), 2 * 2 * 2);  // conditions x contexts x traits
    }

    void expressionChartMatchesTheSummary() {
        MainWindow window;
        window.resize(1400, 860);
        QVERIFY(openResults(window));
        ui::ResultsWorkspace *results = window.resultsWorkspace();
        results->contextChoice()->setCurrentIndex(0);  // every context: one group per (trait, context)
        QChart *chart = results->chart();

        // Baseline first, and the legend names exactly the conditions.
        QList<QXYSeries *> means = seriesWith(chart, "mean");
        QCOMPARE(means.size(), 2);
        QCOMPARE(means[0]->name(), QString("baseline"));
        QCOMPARE(means[1]->name(), QString("inoc-spanish"));
        QStringList legend;
        for (QLegendMarker *m : chart->legend()->markers())
            if (m->isVisible()) legend << m->label();
        QCOMPARE(legend, (QStringList{"baseline", "inoc-spanish"}));

        // Every summary row: a dot at the mean, an error bar from ci_low to ci_high, a faint point per seed.
        QCOMPARE(results->table()->rowCount(), int(m_summary.size()));
        for (int i = 0; i < m_summary.size(); ++i) {
            QJsonObject row = m_summary[i].toObject();
            const QString condition = row["condition"].toString(), trait = row["trait"].toString(),
                          context = row["context"].toString();
            QList<QXYSeries *> bars = seriesWith(chart, "errorbar", condition, trait, context);
            QCOMPARE(bars.size(), 1);
            QList<QPointF> points = bars[0]->points();
            double low = points[0].y(), high = points[0].y(), x = points[0].x();
            for (const QPointF &p : points) low = std::min(low, p.y()), high = std::max(high, p.y());
            QVERIFY2(near(low, row["ci_low"].toDouble()),
                     qPrintable(QString("%1 %2 %3").arg(condition, trait, context)));
            QVERIFY(near(high, row["ci_high"].toDouble()));
            // The bar's middle points are at the dot's x.
            x = points[2].x();
            QXYSeries *mean = seriesWith(chart, "mean", condition).first();
            bool found = false;
            for (const QPointF &p : mean->points())
                if (near(p.x(), x)) {
                    found = true;
                    QVERIFY(near(p.y(), row["mean"].toDouble()));
                }
            QVERIFY2(found, qPrintable(condition + " " + trait));
            int seeds = 0;
            for (const QPointF &p : seriesWith(chart, "seed", condition).first()->points())
                if (std::abs(p.x() - x) < 0.5) ++seeds;
            QCOMPARE(seeds, row["n_seeds"].toInt());
            // The table next to the chart: the same numbers.
            QCOMPARE(results->table()->item(i, 0)->text(), condition);
            QCOMPARE(results->table()->item(i, 2)->text(), trait);
            QVERIFY(near(results->table()->item(i, 3)->data(Qt::UserRole).toDouble(), row["mean"].toDouble()));
            QVERIFY(near(results->table()->item(i, 4)->data(Qt::UserRole).toDouble(), row["ci_low"].toDouble()));
            QVERIFY(near(results->table()->item(i, 5)->data(Qt::UserRole).toDouble(), row["ci_high"].toDouble()));
        }

        // One context, the paper's layout: a group per trait.
        results->contextChoice()->setCurrentText("no-system");
        QCOMPARE(seriesWith(results->chart(), "errorbar").size(), 4);
        QCOMPARE(results->table()->rowCount(), 4);
        // Bars instead of dots: one bar per condition and trait, the error bars stay.
        results->setBars(true);
        int bars = 0;
        for (QAbstractSeries *s : results->chart()->series())
            if (qobject_cast<QAreaSeries *>(s) && s->property("role") == "bar") ++bars;
        QCOMPARE(bars, 4);
        QCOMPARE(seriesWith(results->chart(), "errorbar").size(), 4);
        results->setBars(false);
        window.workspaces()->setCurrentIndex(3);
        QApplication::processEvents();
        test::saveScreenshot(&window, QStringLiteral("results_workspace.png"));
    }

    void curvesAndElicitationComeFromTheSameStore() {
        MainWindow window;
        QVERIFY(openResults(window));
        ui::ResultsWorkspace *results = window.resultsWorkspace();
        results->contextChoice()->setCurrentText("no-system");
        results->kindChoice()->setCurrentIndex(int(charts::ChartKind::Curves));
        QCOMPARE(results->request().series, QString("metric:train_loss"));
        QList<QXYSeries *> curves = seriesWith(results->chart(), "curve");
        QCOMPARE(curves.size(), 2);
        QCOMPARE(curves[0]->name(), QString("baseline"));
        QVERIFY(curves[0]->count() >= 2);
        int bands = 0;
        for (QAbstractSeries *s : results->chart()->series())
            if (qobject_cast<QAreaSeries *>(s) && s->property("role") == "band") ++bands;
        QCOMPARE(bands, 2);
        QCOMPARE(results->table()->rowCount(), curves[0]->count() + curves[1]->count());

        // A trait over the evaluated steps ends where the summary (each run's last evaluation) is.
        int index = results->seriesChoice()->findData("trait:spanish");
        QVERIFY(index >= 0);
        results->seriesChoice()->setCurrentIndex(index);
        for (QXYSeries *curve : seriesWith(results->chart(), "curve")) {
            QVERIFY(curve->count() >= 2);
            for (const QJsonValue &v : m_summary) {
                QJsonObject row = v.toObject();
                if (row["condition"].toString() == curve->name() && row["trait"] == "spanish" &&
                    row["context"] == "no-system")
                    QVERIFY(near(curve->points().last().y(), row["mean"].toDouble()));
            }
        }

        results->kindChoice()->setCurrentIndex(int(charts::ChartKind::Elicitation));
        QList<QXYSeries *> points = seriesWith(results->chart(), "mean");
        QCOMPARE(points.size(), 2);  // inoc-spanish, once per trait; the baseline is the reference
        for (QXYSeries *p : points) QCOMPARE(p->property("condition").toString(), QString("inoc-spanish"));
        QCOMPARE(results->table()->rowCount(), 4);  // both conditions, both traits
        results->setTraits({"spanish"});
        QCOMPARE(seriesWith(results->chart(), "mean").size(), 1);
    }

    void twoTraitScatterDrawsTheSummaryMeans() {
        MainWindow window;
        QVERIFY(openResults(window));
        ui::ResultsWorkspace *results = window.resultsWorkspace();
        results->contextChoice()->setCurrentText("no-system");
        results->kindChoice()->setCurrentIndex(int(charts::ChartKind::Scatter));
        const QStringList traits = charts::effectiveTraits(*results->data(), results->request());
        QVERIFY(traits.size() >= 2);
        QList<QXYSeries *> means = seriesWith(results->chart(), "mean");
        QCOMPARE(means.size(), 2);  // baseline and inoc-spanish
        QCOMPARE(means[0]->property("conditionRole").toString(), QString("baseline"));
        for (QXYSeries *m : means) {
            QCOMPARE(m->count(), 1);
            int matched = 0;
            for (const QJsonValue &v : m_summary) {
                QJsonObject row = v.toObject();
                if (row["condition"].toString() != m->property("condition").toString() || row["context"] != "no-system")
                    continue;
                if (row["trait"].toString() == traits[0]) {
                    QVERIFY(near(m->at(0).x(), row["mean"].toDouble()));
                    ++matched;
                }
                if (row["trait"].toString() == traits[1]) {
                    QVERIFY(near(m->at(0).y(), row["mean"].toDouble()));
                    ++matched;
                }
            }
            QCOMPARE(matched, 2);
            // Each seed model is a faint point, its (x, y) from the same run.
            QList<QXYSeries *> seeds = seriesWith(results->chart(), "seed", m->property("condition").toString());
            QCOMPARE(seeds.size(), 1);
            QVERIFY(seeds[0]->count() >= 1);
        }
        QCOMPARE(results->table()->rowCount(), 2);
        QVERIFY2(results->caption()->text().contains("seed model"), qPrintable(results->caption()->text()));
        window.resize(1400, 860);
        window.workspaces()->setCurrentIndex(3);
        test::saveScreenshot(&window, QStringLiteral("results_scatter.png"));
        QByteArray err;
        QCOMPARE(runGui({"--export-figure", "scatter", "--store", m_store, "--experiment", "smoke", "--context",
                         "no-system", "--out", path("scatter.svg")},
                        &err),
                 0);
        checkSvg(path("scatter.svg"));
    }

    void exportDialogWritesVectorFigures() {
        MainWindow window;
        QVERIFY(openResults(window));
        ui::ResultsWorkspace *results = window.resultsWorkspace();
        results->contextChoice()->setCurrentText("no-system");
        ui::ExportDialog dialog(results->data(), results->request());
        test::saveScreenshot(&dialog, QStringLiteral("results_export_dialog.png"));
        for (const char *name : {"fig.svg", "fig.pdf", "fig.png", "fig.csv", "fig.tex"}) {
            dialog.setPath(path(name));
            dialog.accept();
            QVERIFY2(dialog.lastError().isEmpty(), qPrintable(dialog.lastError()));
        }
        checkSvg(path("fig.svg"));
        checkPdf(path("fig.pdf"));
        // Kept beside the screenshots, to look at the page a paper would get.
        QString kept = QStringLiteral(INOCULAB_BINARY_DIR "/screenshots/results_figure.pdf");
        QDir().mkpath(QFileInfo(kept).path());
        QFile::remove(kept);
        QVERIFY(QFile::copy(path("fig.pdf"), kept));
        // 12 x 8 cm at 300 dpi.
        QImage png(path("fig.png"));
        QCOMPARE(png.size(), QSize(int(std::lround(12 / 2.54 * 300)), int(std::lround(8 / 2.54 * 300))));
        QByteArray csv = test::readFile(path("fig.csv").toStdString());
        QVERIFY(csv.startsWith("condition,context,trait,mean,ci_low,ci_high,"));
        QCOMPARE(csv.count('\n'), 5);  // header + 2 conditions x 2 traits
        QByteArray tex = test::readFile(path("fig.tex").toStdString());
        QVERIFY(tex.contains("\\toprule") && tex.contains("inoc-spanish"));

        // A file that cannot be written is named in the error.
        dialog.setPath(path("no-such-folder/fig.svg"));
        dialog.accept();
        QVERIFY2(dialog.lastError().contains("no-such-folder/fig.svg"), qPrintable(dialog.lastError()));
    }

    void headlessExportWritesEachFormat() {
        QByteArray err;
        QCOMPARE(runGui({"--export-figure", "expression", "--store", m_store, "--experiment", "smoke", "--context",
                         "no-system", "--size", "800x500", "--out", path("headless.png")},
                        &err),
                 0);
        QCOMPARE(QImage(path("headless.png")).size(), QSize(800, 500));
        QCOMPARE(runGui({"--export-figure", "expression", "--store", m_store, "--experiment", "smoke", "--traits",
                         "spanish,all_caps", "--out", path("headless.svg")},
                        &err),
                 0);
        checkSvg(path("headless.svg"));
        QCOMPARE(runGui({"--export-figure", "curves", "--store", m_store, "--experiment", "smoke", "--out",
                         path("curves.pdf")},
                        &err),
                 0);
        checkPdf(path("curves.pdf"));
        QCOMPARE(runGui({"--export-figure", "elicitation", "--store", m_store, "--experiment", "smoke", "--context",
                         "no-system", "--out", path("elicitation.svg")},
                        &err),
                 0);
        checkSvg(path("elicitation.svg"), false);
    }

    void headlessExportNamesWhatIsWrong() {
        QByteArray err;
        QCOMPARE(runGui({"--export-figure", "expression", "--store", path("missing.sqlite"), "--experiment", "smoke",
                         "--out", path("x.svg")},
                        &err),
                 2);
        QVERIFY2(err.contains("--store") && err.contains("missing.sqlite"), err.constData());
        test::writeFile(m_dir, "not-a-store.sqlite", "just text\n");
        QCOMPARE(runGui({"--export-figure", "expression", "--store", path("not-a-store.sqlite"), "--experiment",
                         "smoke", "--out", path("x.svg")},
                        &err),
                 2);
        QVERIFY2(err.contains("--store") && err.contains("not-a-store.sqlite"), err.constData());
        QCOMPARE(runGui({"--export-figure", "expression", "--store", m_store, "--experiment", "nope", "--out",
                         path("x.svg")},
                        &err),
                 2);
        QVERIFY2(err.contains("--experiment") && err.contains("nope") && err.contains("smoke"), err.constData());
        QCOMPARE(runGui({"--export-figure", "expression", "--store", m_store, "--experiment", "smoke", "--context",
                         "elsewhere", "--out", path("x.svg")},
                        &err),
                 2);
        QVERIFY2(err.contains("--context") && err.contains("elsewhere") && err.contains("no-system"), err.constData());
        QCOMPARE(runGui({"--export-figure", "pie", "--store", m_store, "--experiment", "smoke", "--out", path("x.svg")},
                        &err),
                 2);
        QVERIFY2(err.contains("pie"), err.constData());
        QVERIFY(!QFile::exists(path("x.svg")));
    }

private:
    // Vector shapes and text naming the conditions, and no bitmap anywhere.
    void checkSvg(const QString &file, bool namesBaseline = true) {
        QFile f(file);
        QVERIFY2(f.open(QIODevice::ReadOnly), qPrintable(file));
        QXmlStreamReader xml(&f);
        int shapes = 0, images = 0;
        QString text;
        while (!xml.atEnd()) {
            if (xml.readNext() != QXmlStreamReader::StartElement) continue;
            const QStringView tag = xml.name();
            if (tag == u"path" || tag == u"polyline" || tag == u"rect")
                ++shapes;
            else if (tag == u"image")
                ++images;
            else if (tag == u"text")
                text += xml.readElementText(QXmlStreamReader::IncludeChildElements) + "\n";
        }
        QVERIFY2(!xml.hasError(), qPrintable(file + ": " + xml.errorString()));
        QVERIFY2(shapes > 10, qPrintable(file));
        QCOMPARE(images, 0);
        if (namesBaseline) QVERIFY2(text.contains("baseline"), qPrintable(text));
        QVERIFY2(text.contains("inoc-spanish"), qPrintable(text));
    }

    // A PDF page of vector drawing and text: no image objects, fonts present, small.
    void checkPdf(const QString &file) {
        QByteArray pdf = test::readFile(file.toStdString());
        QVERIFY2(pdf.startsWith("%PDF"), qPrintable(file));
        QVERIFY2(!pdf.contains("/Subtype /Image") && !pdf.contains("/Subtype/Image"), qPrintable(file));
        QVERIFY2(pdf.contains("/Font"), qPrintable(file));
        QVERIFY2(pdf.size() < 300 * 1024, qPrintable(QString("%1: %2 bytes").arg(file).arg(pdf.size())));
    }
};

QTEST_MAIN(TestResultsCharts)
#include "test_results_charts.moc"
