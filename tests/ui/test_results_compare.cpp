// Experiments side by side: the smoke experiment in one store and a variant on another base
// model (pretraining seed 1) in a second store, both trained by the CLI. The combined data,
// the chart's dots, the headless `--compare` CSV and the elicitation points are each checked
// against what the two stores give alone (`results summary --json`, each experiment's own
// elicitation relation). Writes a screenshot of the Results workspace comparing them.
#include "test_support.h"

#include "screenshots.h"

#include "charts/combined_data.h"
#include "charts/elicitation_relation.h"
#include "charts/figure_export.h"
#include "main_window.h"
#include "results/results_workspace.h"

#include <QApplication>
#include <QChart>
#include <QComboBox>
#include <QLabel>
#include <QToolButton>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLegend>
#include <QLegendMarker>
#include <QProcess>
#include <QScatterSeries>
#include <QSettings>
#include <QStandardPaths>

#include <algorithm>
#include <cmath>
#include <memory>

using namespace inoculab;
namespace charts = inoculab::ui::charts;

namespace {

QString smokeSpec() { return test::sourcePath(QStringLiteral("tests/cli/data/smoke-experiment.json")); }

struct Result {
    int code = -1;
    QByteArray out, err;
};

Result run(const QString &program, const QStringList &args) {
    QProcess p;
    p.start(program, args);
    Result r;
    if (!p.waitForFinished(180000)) return r;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    return r;
}

Result cli(const QStringList &args) { return run(qEnvironmentVariable("INOCULAB_CLI"), args); }

bool same(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }
double number(const QJsonValue &v) { return v.isNull() ? std::nan("") : v.toDouble(); }

}  // namespace

class TestResultsCompare : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QString m_storeA, m_storeB;
    QJsonArray m_summaryA, m_summaryB;

    QString path(const char *name) const { return m_dir.filePath(QLatin1String(name)); }

    void train(const QString &spec, const QString &store, const QString &name, QJsonArray *summary) {
        Result r = cli({"experiment", "run", spec, "--store", store, "--cache", path("cache"), "--progress", "none",
                        "--conditions", "baseline,inoc-spanish", "--seeds", "0,1"});
        QVERIFY2(r.code == 0, r.err.constData());
        Result s = cli({"results", "summary", "--store", store, "--experiment", name, "--json"});
        QCOMPARE(s.code, 0);
        *summary = QJsonDocument::fromJson(s.out).array();
        QCOMPARE(summary->size(), 2 * 2 * 2);  // conditions x contexts x traits
    }

    // Every summary row of one store, found in the combined data under "LABEL: condition".
    void compareRows(const charts::ResultsData &combined, const QJsonArray &summary, const QString &label) {
        for (const QJsonValue &v : summary) {
            const QJsonObject row = v.toObject();
            const std::string condition = (label + ": " + row["condition"].toString()).toStdString();
            int found = 0;
            for (const store::TraitSummaryRow &r : combined.summary) {
                if (r.condition != condition || r.trait != row["trait"].toString().toStdString() ||
                    r.context != row["context"].toString().toStdString())
                    continue;
                ++found;
                QVERIFY(same(r.interval.mean, number(row["mean"])));
                QVERIFY(same(r.interval.low, number(row["ci_low"])));
                QVERIFY(same(r.interval.high, number(row["ci_high"])));
            }
            QVERIFY2(found == 1, condition.c_str());
        }
    }

private Q_SLOTS:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QApplication::setOrganizationName(QStringLiteral("InoculabTests"));
        QApplication::setApplicationName(QStringLiteral("test_results_compare"));
        QSettings().clear();
        m_storeA = path("a.sqlite");
        m_storeB = path("b.sqlite");
        train(smokeSpec(), m_storeA, QStringLiteral("smoke"), &m_summaryA);
        // The same experiment on another base model: pretraining seed 1.
        QJsonObject spec = QJsonDocument::fromJson(test::readFile(smokeSpec().toStdString())).object();
        spec["name"] = "smoke-b";
        QJsonObject base = spec["base_model"].toObject();
        QJsonObject pretraining = base["pretraining"].toObject();
        pretraining["seed"] = 1;
        base["pretraining"] = pretraining;
        spec["base_model"] = base;
        test::writeFile(m_dir, QStringLiteral("smoke-b.json"), QJsonDocument(spec).toJson());
        train(path("smoke-b.json"), m_storeB, QStringLiteral("smoke-b"), &m_summaryB);
    }

    void combinedDataHoldsBothExperimentsUnchanged() {
        const charts::ResultsData combined =
            charts::loadCombined({{m_storeA, QStringLiteral("smoke")}, {m_storeB, QStringLiteral("smoke-b")}});
        QCOMPARE(combined.experimentName, QString("smoke + smoke-b"));
        QCOMPARE(combined.contents.conditions.size(), std::size_t(8));  // four per spec, two trained
        QCOMPARE(combined.summary.size(), std::size_t(16));
        compareRows(combined, m_summaryA, QStringLiteral("smoke"));
        compareRows(combined, m_summaryB, QStringLiteral("smoke-b"));
        // Each condition keeps its own experiment's baseline.
        QCOMPARE(*combined.baselineFor(QStringLiteral("smoke-b: inoc-spanish")), QString("smoke-b: baseline"));
        QCOMPARE(*combined.baselineFor(QStringLiteral("smoke: inoc-spanish")), QString("smoke: baseline"));
    }

    void elicitationPointsAreEachExperimentsOwn() {
        charts::ChartRequest request;
        request.kind = charts::ChartKind::Elicitation;
        request.context = QStringLiteral("no-system");
        const charts::ResultsData combined =
            charts::loadCombined({{m_storeA, QStringLiteral("smoke")}, {m_storeB, QStringLiteral("smoke-b")}});
        const charts::ElicitationRelation both = charts::elicitationRelation(combined, request);
        int matched = 0;
        for (auto [store, name] : {std::pair{m_storeA, QString("smoke")}, {m_storeB, QString("smoke-b")}}) {
            const charts::ResultsData alone =
                charts::loadResultsData(store, *charts::findExperimentId(store, name));
            for (const charts::ElicitationPoint &p : charts::elicitationRelation(alone, request).points)
                for (const charts::ElicitationPoint &q : both.points)
                    if (q.condition == name + ": " + p.condition && q.trait == p.trait) {
                        QCOMPARE(q.x, p.x);
                        QCOMPARE(q.y, p.y);
                        QCOMPARE(q.yLow, p.yLow);
                        ++matched;
                    }
        }
        QCOMPARE(matched, int(both.points.size()));
        QCOMPARE(matched, 4);  // inoc-spanish of each experiment, two traits
    }

    void headlessCompareWritesBothExperimentsNumbers() {
        const QString gui = QStringLiteral(INOCULAB_GUI);
        Result r = run(gui, {"--export-figure", "expression", "--store", m_storeA, "--experiment", "smoke", "--compare",
                             "smoke-b@" + m_storeB, "--out", path("both.csv")});
        QVERIFY2(r.code == 0, r.err.constData());
        const QStringList lines =
            QString::fromUtf8(test::readFile(path("both.csv").toStdString())).split('\n', Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 1 + 16);
        int fromB = 0;
        for (const QString &line : lines.mid(1)) {
            const QStringList cells = line.split(',');
            QVERIFY2(cells[0].startsWith(QLatin1String("smoke: ")) || cells[0].startsWith(QLatin1String("smoke-b: ")),
                     qPrintable(line));
            if (!cells[0].startsWith(QLatin1String("smoke-b: "))) continue;
            ++fromB;
            for (const QJsonValue &v : m_summaryB) {
                const QJsonObject row = v.toObject();
                if ("smoke-b: " + row["condition"].toString() == cells[0] && row["context"].toString() == cells[1] &&
                    row["trait"].toString() == cells[2])
                    // CSV prints 12 significant digits.
                    QVERIFY2(std::abs(cells[3].toDouble() - number(row["mean"])) <= 1e-11 * std::abs(number(row["mean"])),
                             qPrintable(line));
            }
        }
        QCOMPARE(fromB, 8);
        Result missing = run(gui, {"--export-figure", "expression", "--store", m_storeA, "--experiment", "smoke",
                                   "--compare", "nope@" + m_storeB, "--out", path("x.png")});
        QCOMPARE(missing.code, 2);
        QVERIFY2(missing.err.contains("--compare") && missing.err.contains("b.sqlite") && missing.err.contains("nope"),
                 missing.err.constData());
    }

    void labelsTellApartExperimentsOfOneName() {
        const std::vector<QString> labels = charts::partLabels(
            {{QStringLiteral("/x/a.sqlite"), "e"}, {QStringLiteral("/y/b.sqlite"), "e"}, {QStringLiteral("/y/b.sqlite"), "f"}},
            {QStringLiteral("e"), QStringLiteral("e"), QStringLiteral("f")});
        QCOMPARE(labels, (std::vector<QString>{"e (a.sqlite)", "e (b.sqlite)", "f"}));
        const charts::ExperimentRef ref = charts::parseExperimentRef(QStringLiteral("spanish-caps@/s/x@y.sqlite"), "d");
        QCOMPARE(ref.experiment, QString("spanish-caps@/s/x"));  // the store is after the last @
        QCOMPARE(ref.store, QString("y.sqlite"));
        QCOMPARE(charts::parseExperimentRef(QStringLiteral("e"), "d").store, QString("d"));
    }

    void resultsWorkspaceDrawsThemSideBySide() {
        ui::MainWindow window;
        window.resize(1400, 860);
        window.show();
        QVERIFY(window.openSpec(smokeSpec()) && window.openStore(m_storeA));
        ui::ResultsWorkspace *results = window.resultsWorkspace();
        QVERIFY(QTest::qWaitFor([&] { return !results->isLoading() && results->data() != nullptr; }, 30000));
        QVERIFY(results->compareButton()->isEnabled());
        results->setCompared({{m_storeB, QStringLiteral("smoke-b")}});
        QVERIFY(QTest::qWaitFor(
            [&] { return !results->isLoading() && results->data() && results->data()->contents.conditions.size() == 8; },
            30000));
        results->contextChoice()->setCurrentIndex(0);
        QStringList legend;
        for (QLegendMarker *m : results->chart()->legend()->markers())
            if (m->isVisible()) legend << m->label();
        QCOMPARE(legend, (QStringList{"smoke: baseline", "smoke-b: baseline", "smoke: inoc-spanish", "smoke-b: inoc-spanish"}));
        // Each condition's dots at its own store's means.
        for (QAbstractSeries *s : results->chart()->series()) {
            if (s->property("role").toString() != QLatin1String("mean")) continue;
            const QString condition = s->name();
            const QJsonArray &summary = condition.startsWith(QLatin1String("smoke-b: ")) ? m_summaryB : m_summaryA;
            const QString own = condition.section(QStringLiteral(": "), 1);
            QList<double> expected, drawn;
            for (const QJsonValue &v : summary)
                if (v.toObject()["condition"].toString() == own) expected << number(v.toObject()["mean"]);
            for (const QPointF &p : static_cast<QScatterSeries *>(s)->points()) drawn << p.y();
            std::sort(expected.begin(), expected.end());
            std::sort(drawn.begin(), drawn.end());
            QCOMPARE(drawn, expected);
        }
        QVERIFY(results->caption()->text().startsWith(QStringLiteral("smoke + smoke-b:")));
        results->contextChoice()->setCurrentText(QStringLiteral("no-system"));
        window.workspaces()->setCurrentIndex(3);
        QTest::qWait(200);
        test::saveScreenshot(&window, QStringLiteral("results_compare.png"));
        // A new experiment starts alone again.
        results->setExperiment(m_storeA, *charts::findExperimentId(m_storeA, "smoke"), QStringLiteral("smoke"));
        QVERIFY(results->compared().empty());
    }
};

QTEST_MAIN(TestResultsCompare)
#include "test_results_compare.moc"
