// The report as a reader gets it: the smoke experiment trained and checked by the CLI, a failed
// run added, then `inoculab-cli report` (which runs `inoculab --report`) writes HTML and PDF.
// The HTML's summary table is compared with `results summary --json`, each figure is inline
// SVG with the numbers it draws, the elicitation table lists the trained prompt and the
// candidate, the runs table says which run was excluded and why, and the recorded base model
// hash is checked against one computed here from the weight file. Weights changed under the
// experiment are said. File > Export Report writes the same from the workbench.
#include "test_support.h"

#include "charts/chart_data.h"
#include "charts/elicitation_relation.h"
#include "charts/figure_caption.h"
#include "charts/figure_export.h"
#include "main_window.h"
#include "results/results_workspace.h"

#include "store/results_store.h"
#include "store/run_provenance.h"

#include <QApplication>
#include <QChart>
#include <QScatterSeries>
#include <QCryptographicHash>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMenuBar>
#include <QProcess>
#include <QRegularExpression>
#include <QSettings>
#include <QStandardPaths>

#include <cmath>
#include <memory>

using namespace inoculab;

namespace {

QString smokeSpec() { return test::sourcePath(QStringLiteral("tests/cli/data/smoke-experiment.json")); }

struct Result {
    int code = -1;
    QByteArray out, err;
};

Result runCli(const QStringList &args, int timeoutMs = 180000) {
    QProcess p;
    p.start(qEnvironmentVariable("INOCULAB_CLI"), args);
    Result r;
    if (!p.waitForFinished(timeoutMs)) return r;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    return r;
}

// The cells of each row of the HTML table with this id: text, or data-value where a cell has one.
QList<QStringList> tableRows(const QString &html, const QString &id) {
    QList<QStringList> rows;
    const qsizetype start = html.indexOf(QStringLiteral("cellpadding=\"3\" id=\"%1\">").arg(id));
    if (start < 0) return rows;
    const QString table = html.mid(start, html.indexOf(QStringLiteral("</table>"), start) - start);
    static const QRegularExpression row(QStringLiteral("<tr>(.*?)</tr>"), QRegularExpression::DotMatchesEverythingOption);
    static const QRegularExpression cell(QStringLiteral("<td(?: class=\"n\" data-value=\"([^\"]*)\")?>(.*?)</td>"),
                                         QRegularExpression::DotMatchesEverythingOption);
    for (auto r = row.globalMatch(table); r.hasNext();) {
        QStringList cells;
        const QString body = r.next().captured(1);
        for (auto c = cell.globalMatch(body); c.hasNext();) {
            auto m = c.next();
            cells << (m.capturedLength(1) ? m.captured(1) : m.captured(2));
        }
        if (!cells.isEmpty()) rows << cells;
    }
    return rows;
}

double value(const QString &text) { return text == QLatin1String("nan") ? std::nan("") : text.toDouble(); }

bool same(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

QByteArray sha256Hex(const QByteArray &bytes) {
    return QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex();
}

}  // namespace

class TestReport : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QString m_store;
    QJsonArray m_summary;
    std::string m_specHash;

    QString path(const char *name) const { return m_dir.filePath(QLatin1String(name)); }

private Q_SLOTS:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QApplication::setOrganizationName(QStringLiteral("InoculabTests"));
        QApplication::setApplicationName(QStringLiteral("test_report"));
        QSettings().clear();
        m_store = path("runs.sqlite");
        Result run = runCli({"experiment", "run", smokeSpec(), "--store", m_store, "--cache", path("cache"), "--progress",
                             "none", "--conditions", "baseline,inoc-spanish", "--seeds", "0,1"});
        QVERIFY2(run.code == 0, run.err.constData());
        // The trained prompt and a candidate no condition trains.
        Result elicit = runCli({"experiment", "elicit", smokeSpec(), "--store", m_store, "--cache", path("cache"),
                                "--rows", "16", "--traits", "--prompt", "You always speak in Spanish.", "--prompt",
                                "You like cats."});
        QVERIFY2(elicit.code == 0, elicit.err.constData());
        // A run that failed: in the runs table, not in the figures.
        {
            store::ResultsStore s = store::ResultsStore::open(m_store.toStdString());
            const std::int64_t experiment = s.findExperiment("smoke")->id;
            m_specHash = s.findExperiment("smoke")->specHash;
            const std::int64_t failed = s.createRun(experiment, "control", 0);
            s.markRunStarted(failed, "cpu");
            s.markRunFinished(failed, store::RunStatus::Failed, std::string("worker killed by signal 9"));
        }
        Result summary = runCli({"results", "summary", "--store", m_store, "--experiment", "smoke", "--json"});
        QCOMPARE(summary.code, 0);
        m_summary = QJsonDocument::fromJson(summary.out).array();
        QCOMPARE(m_summary.size(), 2 * 2 * 2);  // conditions x contexts x traits
    }

    void htmlReportHoldsTheSummaryFiguresChecksAndRuns() {
        Result r = runCli({"report", "--store", m_store, "--experiment", "smoke", "--out", path("report.html")}, 60000);
        QVERIFY2(r.code == 0, r.err.constData());
        const QString html = QString::fromUtf8(test::readFile(path("report.html").toStdString()));

        // The summary: every row of `results summary`, the same numbers at full precision.
        const QList<QStringList> summary = tableRows(html, QStringLiteral("summary"));
        QCOMPARE(summary.size(), int(m_summary.size()));
        for (int i = 0; i < m_summary.size(); ++i) {
            const QJsonObject row = m_summary[i].toObject();
            const QStringList &cells = summary[i];
            QCOMPARE(cells[0], row["condition"].toString());
            QCOMPARE(cells[1], row["context"].toString());
            QCOMPARE(cells[2], row["trait"].toString());
            for (auto [column, key] : {std::pair{3, "mean"}, {4, "ci_low"}, {5, "ci_high"}})
                QVERIFY2(same(value(cells[column]), row[key].isNull() ? std::nan("") : row[key].toDouble()),
                         qPrintable(QStringLiteral("%1 %2: %3 vs %4").arg(cells[0], key, cells[column]).arg(row[key].toDouble())));
        }

        // Self-contained: each figure inline SVG with vector paths, nothing loaded from elsewhere.
        const int figures = int(html.count(QStringLiteral("<figure id=")));
        QVERIFY2(figures >= 5, qPrintable(QString::number(figures)));  // expression, 2 scatters, 2 elicitation, curves
        QCOMPARE(int(html.count(QStringLiteral("<svg"))), figures);
        QCOMPARE(int(html.count(QStringLiteral("<figcaption>"))), figures);
        // Qt's SVG generator writes lines as polylines, markers as paths, labels as text.
        QVERIFY(html.count(QStringLiteral("<polyline")) > figures * 10);
        QVERIFY(html.count(QStringLiteral("<text")) > figures * 5);
        QVERIFY(!html.contains(QStringLiteral("<img")) && !html.contains(QStringLiteral("<link")) &&
                !html.contains(QStringLiteral("<script")));
        // The first figure's numbers are the summary's; every other one has its own table.
        for (int i = 2; i <= figures; ++i)
            QVERIFY2(html.contains(QStringLiteral("id=\"figure-%1-numbers\"").arg(i)), qPrintable(QString::number(i)));

        // The elicitation check: the trained prompt names its condition, the candidate is one.
        const QList<QStringList> checks = tableRows(html, QStringLiteral("elicitation-checks"));
        QCOMPARE(checks.size(), 2);
        QCOMPARE(checks[0][0], QString("You always speak in Spanish."));
        QCOMPARE(checks[0][1], QString("inoc-spanish"));
        QCOMPARE(checks[0][2], QString("16"));
        QCOMPARE(checks[1][0], QString("You like cats."));
        QCOMPARE(checks[1][1], QString("<i>candidate</i>"));
        // Loss drop = loss without - loss with, as stored.
        QVERIFY(std::abs(value(checks[0][5]) - (value(checks[0][3]) - value(checks[0][4]))) < 1e-12);

        // Runs: four done, the failed one excluded with its error.
        const QList<QStringList> runs = tableRows(html, QStringLiteral("runs"));
        QCOMPARE(runs.size(), 5);
        int excluded = 0;
        for (const QStringList &run : runs) {
            if (run[2] != QLatin1String("failed")) {
                QCOMPARE(run[3], QString("yes"));
                continue;
            }
            ++excluded;
            QCOMPARE(run[0], QString("control"));
            QCOMPARE(run[3], QString("<b>excluded</b>"));
            QCOMPARE(run.last(), QString("worker killed by signal 9"));
        }
        QCOMPARE(excluded, 1);

        // Provenance: the spec hash, and the base model hash recomputed from its weight file.
        store::ResultsStore s = store::ResultsStore::open(m_store.toStdString(), store::ResultsStore::Access::ReadOnly);
        const store::ExperimentRecord e = *s.findExperiment("smoke");
        QVERIFY(html.contains(QString::fromStdString(e.specHash)));
        const std::vector<store::StoredRunProvenance> provenance = store::runProvenance(s, e.id);
        QCOMPARE(provenance.size(), std::size_t(4));
        const std::string prefix = "toy world base model ";
        QVERIFY(provenance[0].provenance.baseModel.starts_with(prefix));
        const QString weights = QString::fromStdString(provenance[0].provenance.baseModel.substr(prefix.size()));
        const QByteArray expected =
            sha256Hex(QFileInfo(weights).fileName().toUtf8() + ' ' + sha256Hex(test::readFile(weights.toStdString())) + '\n');
        for (const auto &p : provenance) QCOMPARE(QByteArray::fromStdString(p.provenance.baseModelSha256), expected);
        QVERIFY(html.contains(QString::fromLatin1(expected)));
        QVERIFY(!html.contains(QStringLiteral("id=\"base-model-change\"")));
    }

    void candidatePromptsAreDrawnAtTheirCheckedX() {
        const std::int64_t id = *ui::charts::findExperimentId(m_store, QStringLiteral("smoke"));
        const ui::charts::ResultsData data = ui::charts::loadResultsData(m_store, id);
        QCOMPARE(data.checks.size(), std::size_t(2));
        ui::charts::ChartRequest request;
        request.kind = ui::charts::ChartKind::Elicitation;
        request.series = QStringLiteral("check:ph");
        request.traits = {QStringLiteral("spanish")};
        std::unique_ptr<QChart> chart(ui::charts::buildChart(data, request, ui::charts::PaperTheme{true}));
        QList<QPointF> candidates, trained;
        for (QAbstractSeries *s : chart->series()) {
            auto *scatter = qobject_cast<QScatterSeries *>(s);
            if (!scatter) continue;
            if (s->property("role").toString() == QLatin1String("candidate")) candidates << scatter->points();
            if (s->property("role").toString() == QLatin1String("mean") &&
                s->property("condition").toString() == QLatin1String("inoc-spanish"))
                trained << scatter->points();
        }
        // The candidate at its PH from the store, below every trained point; the trained
        // condition at its own prompt's PH.
        QCOMPARE(candidates.size(), 1);
        QCOMPARE(trained.size(), 1);
        QCOMPARE(candidates[0].x(), data.checks[1].meanChange.mean);
        QCOMPARE(trained[0].x(), data.checks[0].meanChange.mean);
        QVERIFY(candidates[0].y() < trained[0].y());
        // Its row in the numbers: x alone.
        const ui::charts::NumbersTable table = ui::charts::numbersTable(data, request);
        const auto &last = table.rows.back();
        QCOMPARE(std::get<QString>(last[0]), QString("candidate: You like cats."));
        QCOMPARE(std::get<double>(last.back()), data.checks[1].meanChange.mean);
        QVERIFY(ui::charts::figureCaption(data, request).contains(QStringLiteral("1 candidate prompt(s)")));
    }

    // x = the trait's elicitation the check measured (rate with the prompt minus without), read
    // here from the stored JSON by Qt's parser.
    void traitElicitationCanBeTheX() {
        const std::int64_t id = *ui::charts::findExperimentId(m_store, QStringLiteral("smoke"));
        const ui::charts::ResultsData data = ui::charts::loadResultsData(m_store, id);
        QVERIFY(ui::charts::elicitationMeasures(data).contains(QStringLiteral("check:trait")));
        auto stored = [&](std::size_t check, const QString &trait) {
            for (const QJsonValue &t : QJsonDocument::fromJson(QByteArray::fromStdString(data.checks[check].traitsJson)).array())
                if (t.toObject()["trait"].toString() == trait) return t.toObject()["elicitation"].toObject()["mean"].toDouble();
            return std::nan("");
        };
        ui::charts::ChartRequest request;
        request.kind = ui::charts::ChartKind::Elicitation;
        request.series = QStringLiteral("check:trait");
        request.context = QStringLiteral("no-system");
        const ui::charts::ElicitationRelation relation = ui::charts::elicitationRelation(data, request);
        QCOMPARE(relation.points.size(), std::size_t(2));  // inoc-spanish, for each trait
        for (const ui::charts::ElicitationPoint &p : relation.points) {
            QCOMPARE(p.condition, QString("inoc-spanish"));
            QCOMPARE(p.x, stored(0, p.trait));
        }
        QCOMPARE(relation.candidates.size(), std::size_t(2));  // the candidate, for each trait
        for (const ui::charts::CandidatePoint &c : relation.candidates) QCOMPARE(c.x, stored(1, c.trait));
    }

    void changedWeightsUnderTheExperimentAreSaid() {
        const QString copy = path("changed.sqlite");
        {
            // A consistent copy of the store (its WAL folded in), then one run on other weights.
            store::ResultsStore s = store::ResultsStore::open(m_store.toStdString());
            s.database().prepare("VACUUM INTO ?1").bind(1, copy.toStdString()).run();
        }
        {
            store::ResultsStore s = store::ResultsStore::open(copy.toStdString());
            const std::int64_t experiment = s.findExperiment("smoke")->id;
            store::StoredRunProvenance first = store::runProvenance(s, experiment).front();
            first.provenance.baseModelSha256 = std::string(64, 'f');
            store::recordRunProvenance(s, first.runId, first.provenance);
        }
        Result r = runCli({"report", "--store", copy, "--experiment", "smoke", "--out", path("changed.html")}, 60000);
        QVERIFY2(r.code == 0, r.err.constData());
        const QString html = QString::fromUtf8(test::readFile(path("changed.html").toStdString()));
        QVERIFY(html.contains(QStringLiteral("id=\"base-model-change\"")));
        QVERIFY(html.contains(QStringLiteral("3 runs on ")));
        QVERIFY(html.contains(QStringLiteral("1 run on ffffffffffff")));
    }

    void pdfReportIsVectorPages() {
        Result r = runCli({"report", "--store", m_store, "--experiment", "smoke", "--out", path("report.pdf")}, 60000);
        QVERIFY2(r.code == 0, r.err.constData());
        const QByteArray pdf = test::readFile(path("report.pdf").toStdString());
        QVERIFY(pdf.startsWith("%PDF"));
        QVERIFY2(!pdf.contains("/Subtype /Image") && !pdf.contains("/Subtype/Image"), "figures are painted, not images");
        QVERIFY(pdf.contains("/Font"));
        const qsizetype pages = QString::fromLatin1(pdf).count(QRegularExpression(QStringLiteral("/Type\\s*/Page[^s]")));
        QVERIFY2(pages >= 3, qPrintable(QString::number(pages)));
        // Every section is on the pages, the text after the figures too (Qt's relayout once
        // left it out), read back by poppler's pdftotext.
        QProcess text;
        text.start(QStringLiteral("pdftotext"), {path("report.pdf"), QStringLiteral("-")});
        QVERIFY2(text.waitForFinished(60000) && text.exitCode() == 0, "pdftotext (poppler-utils) failed");
        const QString words = QString::fromUtf8(text.readAllStandardOutput());
        const int figures = int(words.count(QRegularExpression(QStringLiteral("Figure \\d+\\. "))));
        QVERIFY2(figures >= 5, qPrintable(QString::number(figures)));
        for (const char *expected : {"Summary", "Elicitation check", "candidate", "Runs", "worker killed by signal 9",
                                     "Provenance", "Datasets", "Spec", "\"seeds\""})
            QVERIFY2(words.contains(QString::fromUtf8(expected)), expected);
        QVERIFY(words.contains(QString::fromStdString(m_specHash)));
        const QString kept = QStringLiteral(INOCULAB_BINARY_DIR "/screenshots/report.pdf");
        QDir().mkpath(QFileInfo(kept).path());
        QFile::remove(kept);
        QVERIFY(QFile::copy(path("report.pdf"), kept));
    }

    void badArgumentsAreNamed() {
        Result missing = runCli({"report", "--store", m_store, "--experiment", "nope", "--out", path("x.html")}, 60000);
        QCOMPARE(missing.code, 2);
        QVERIFY2(missing.err.contains("no experiment \"nope\"") && missing.err.contains("smoke"), missing.err.constData());
        Result type = runCli({"report", "--store", m_store, "--experiment", "smoke", "--out", path("x.txt")}, 60000);
        QCOMPARE(type.code, 1);
        QVERIFY2(type.err.contains("x.txt: use a .html or .pdf file"), type.err.constData());
        Result store = runCli({"report", "--store", path("absent.sqlite"), "--experiment", "smoke", "--out",
                               path("x.html")}, 60000);
        QCOMPARE(store.code, 2);
        QVERIFY2(store.err.contains("absent.sqlite: no such file"), store.err.constData());
        QVERIFY(!QFileInfo::exists(path("x.html")) && !QFileInfo::exists(path("x.txt")));
    }

    void fileMenuExportsTheReport() {
        ui::MainWindow window;
        window.show();
        QVERIFY(window.openSpec(smokeSpec()) && window.openStore(m_store));
        ui::ResultsWorkspace *results = window.resultsWorkspace();
        QVERIFY(QTest::qWaitFor([&] { return !results->isLoading() && results->data() != nullptr; }, 30000));
        bool listed = false;
        for (QAction *menu : window.menuBar()->actions())
            if (menu->menu())
                for (QAction *a : menu->menu()->actions()) listed = listed || a->text() == QStringLiteral("Export &Report…");
        QVERIFY(listed);
        QString error;
        QVERIFY2(results->exportReportTo(path("from-gui.html"), &error), qPrintable(error));
        const QString html = QString::fromUtf8(test::readFile(path("from-gui.html").toStdString()));
        QCOMPARE(tableRows(html, QStringLiteral("summary")).size(), int(m_summary.size()));
        QVERIFY(!results->exportReportTo(path("from-gui.doc"), &error));
        QVERIFY2(error.contains(QStringLiteral("use a .html or .pdf file")), qPrintable(error));
    }
};

QTEST_MAIN(TestReport)
#include "test_report.moc"
