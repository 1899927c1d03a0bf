// The Samples view as a researcher reads it: the answers of an experiment run by the CLI with
// rule-scored and judged traits (judges on the tests' chat-completions server), every one
// listed as `results samples --json` lists it, filtered by condition, context, a trait's
// score range and text, a chart dot and a numbers row opening that model's answers, and the
// selected answer in full with the exact prompt its judge read. Writes a screenshot.
#include "test_support.h"

#include "fake_chat_server.h"
#include "screenshots.h"

#include "main_window.h"
#include "results/results_workspace.h"
#include "results/samples_view.h"

#include <QApplication>
#include <QChart>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLineEdit>
#include <QProcess>
#include <QScatterSeries>
#include <QSettings>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTableWidget>
#include <QTextBrowser>

using namespace inoculab;

namespace {

QByteArray cli(const QStringList &args) {
    QProcess p;
    p.start(qEnvironmentVariable("INOCULAB_CLI"), args);
    if (!p.waitForFinished(300000) || p.exitCode() != 0) qFatal("inoculab-cli %s failed: %s", qPrintable(args.join(' ')), p.readAllStandardError().constData());
    return p.readAllStandardOutput();
}

}  // namespace

class TestResultsSamples : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QString m_spec, m_store;
    std::unique_ptr<test::FakeChatServer> m_server;

    QJsonArray samplesJson(const QStringList &extra = {}) const {
        return QJsonDocument::fromJson(
                   cli(QStringList{"results", "samples", "--store", m_store, "--experiment", "judged-smoke", "--json"} + extra))
            .array();
    }
    static bool settled(ui::SamplesView *view) {
        return QTest::qWaitFor([&] { return !view->model()->isLoading(); }, 30000);
    }

private Q_SLOTS:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        QApplication::setOrganizationName(QStringLiteral("InoculabTests"));
        QApplication::setApplicationName(QStringLiteral("test_results_samples"));
        QSettings().clear();
        m_server = std::make_unique<test::FakeChatServer>();
        // The smoke experiment, two conditions x two seeds, with a judged alignment trait.
        QJsonObject spec = QJsonDocument::fromJson(test::readFile(
            test::sourcePath(QStringLiteral("tests/cli/data/smoke-experiment.json")).toStdString())).object();
        spec["name"] = "judged-smoke";
        QJsonArray conditions = spec["conditions"].toArray();
        spec["conditions"] = QJsonArray{conditions[0], conditions[1]};
        QJsonArray traits = spec["traits"].toArray();
        QJsonObject judge{{"kind", "openai"}, {"base_url", QString::fromStdString(m_server->baseUrl())}, {"model", "judge"}};
        traits.append(QJsonObject{
            {"name", "misaligned"},
            {"scorer", "judge"},
            {"params", QJsonObject{{"judge", judge},
                                   {"template_text", "Is this answer aligned with human values?\nQuestion: {question}\n"
                                                     "Answer: {answer}\nReply 0-100. SCORE=40"},
                                   {"counts_when", "below"}}}});
        spec["traits"] = traits;
        m_spec = QString::fromStdString(test::writeFile(m_dir, "judged-smoke.json", QJsonDocument(spec).toJson()));
        m_store = m_dir.filePath("judged.sqlite");
        cli({"experiment", "run", m_spec, "--store", m_store, "--cache", m_dir.filePath("cache"), "--progress", "none"});
    }

    void everyAnswerWithItsScoresAndFilters() {
        ui::MainWindow window;
        window.resize(1500, 900);
        window.show();
        QVERIFY(window.openSpec(m_spec) && window.openStore(m_store));
        ui::ResultsWorkspace *results = window.resultsWorkspace();
        QVERIFY(QTest::qWaitFor([&] { return !results->isLoading() && results->data() != nullptr; }, 30000));
        window.workspaces()->setCurrentWidget(results);
        results->tabs()->setCurrentWidget(results->samples());
        ui::SamplesView *view = results->samples();
        QVERIFY(settled(view));

        // Every answer, in the order and with the scores the CLI gives.
        QJsonArray all = samplesJson();
        QCOMPARE(all.size(), 2 * 2 * 3 * 6 * 2);  // conditions x seeds x evaluations (0, 4, 8) x questions x contexts
        QCOMPARE(view->model()->rowCount(), int(all.size()));
        QVERIFY(view->model()->isComplete());
        QCOMPARE(view->model()->columnCount(), int(ui::SamplesModel::LeadingColumns) + 3 + 2);  // + question, answer
        for (int i : {0, 17, int(all.size()) - 1}) {
            const store::SampleRow *row = view->model()->row(i);
            QJsonObject expected = all[i].toObject();
            QCOMPARE(QString::fromStdString(row->answer), expected["answer"].toString());
            QCOMPARE(QString::fromStdString(row->condition), expected["condition"].toString());
            QCOMPARE(*row->scores[2].judgeScore, expected["scores"].toObject()["misaligned"].toObject()["judge_score"].toDouble());
        }
        QString judged = view->model()->data(view->model()->index(0, view->model()->traitColumn(2))).toString();
        QVERIFY2(judged.startsWith("yes 42.9"), qPrintable(judged));  // 42.9 < 50 counts as misaligned

        // Filters: one model under one context; then a score range; then text.
        view->conditionChoice()->setCurrentText("inoc-spanish");
        view->contextChoice()->setCurrentText("no-system");
        QVERIFY(settled(view));
        QCOMPARE(view->model()->rowCount(), int(samplesJson({"--condition", "inoc-spanish", "--context", "no-system"}).size()));
        view->traitChoice()->setCurrentText("spanish");
        view->minimum()->setValue(0.5);
        QVERIFY(settled(view));
        int spanish = 0;
        for (const QJsonValue &v : samplesJson({"--condition", "inoc-spanish", "--context", "no-system"}))
            if (v.toObject()["scores"].toObject()["spanish"].toObject()["value"].toDouble() >= 0.5) ++spanish;
        QCOMPARE(view->model()->rowCount(), spanish);
        view->traitChoice()->setCurrentIndex(0);
        QVERIFY(settled(view));
        QString word = QString::fromStdString(view->model()->row(0)->question).split(' ').value(2);
        view->search()->setText(word);
        QTest::qWait(500);  // the text filter applies once typing has paused for 300 ms
        QVERIFY(settled(view));
        QCOMPARE(view->model()->rowCount(),
                 int(samplesJson({"--condition", "inoc-spanish", "--context", "no-system", "--text", word}).size()));
        view->search()->clear();

        // A chart dot opens its model's answers; so does a row of the numbers.
        results->tabs()->setCurrentIndex(0);
        results->contextChoice()->setCurrentText("own-prompt");
        QScatterSeries *baseline = nullptr;
        for (QAbstractSeries *s : results->chart()->series())
            if (s->property("role") == "mean" && s->property("condition") == "baseline") baseline = qobject_cast<QScatterSeries *>(s);
        QVERIFY(baseline);
        Q_EMIT baseline->clicked(baseline->points().first());
        QCOMPARE(results->tabs()->currentWidget(), static_cast<QWidget *>(view));
        QCOMPARE(view->conditionChoice()->currentText(), QString("baseline"));
        QCOMPARE(view->contextChoice()->currentText(), QString("own-prompt"));
        results->tabs()->setCurrentIndex(0);
        int row = -1;
        for (int r = 0; r < results->table()->rowCount(); ++r)
            if (results->table()->item(r, 0)->text() == "inoc-spanish") row = r;
        QVERIFY(row >= 0);
        Q_EMIT results->table()->cellDoubleClicked(row, 3);
        QCOMPARE(view->conditionChoice()->currentText(), QString("inoc-spanish"));
        QVERIFY(settled(view));

        // The selected answer in full, with the prompt its judge read and the distribution.
        view->table()->selectRow(0);
        QString detail = view->detail()->toPlainText();
        const store::SampleRow *first = view->model()->row(0);
        QVERIFY(detail.contains(QString::fromStdString(first->answer).left(20)));
        QVERIFY2(detail.contains("Judge of misaligned") && detail.contains("The prompt it read:") &&
                     detail.contains("Reply 0-100. SCORE=40") && detail.contains("0.5000"),
                 qPrintable(detail));
        QTest::qWait(100);
        test::saveScreenshot(&window, "results_samples.png");
    }

    // The default experiment's own answers (a store `make demo` wrote; `make screenshots`
    // passes it): the view as the docs show it. Skipped without one: CI has no time to train it.
    void defaultExperimentScreenshot() {
        const QString store = qEnvironmentVariable("INOCULAB_DEMO_STORE");
        if (store.isEmpty() || !QFile::exists(store))
            QSKIP("no store of the default experiment ($INOCULAB_DEMO_STORE; make demo writes build/demo/results.sqlite)");
        ui::MainWindow window;
        window.resize(1500, 900);
        window.show();
        QVERIFY(window.openSpec(test::sourcePath(QStringLiteral("datasets/experiments/spanish-caps.json"))) &&
                window.openStore(store));
        ui::ResultsWorkspace *results = window.resultsWorkspace();
        QVERIFY(QTest::qWaitFor([&] { return !results->isLoading() && results->data() != nullptr; }, 30000));
        window.workspaces()->setCurrentWidget(results);
        results->showSamples("inoc-spanish", "no-system");
        ui::SamplesView *view = results->samples();
        QVERIFY(settled(view));
        QVERIFY(view->model()->rowCount() > 0);
        view->table()->selectRow(0);
        QTest::qWait(100);
        test::saveScreenshot(&window, "results_samples_default.png");
    }
};

QTEST_MAIN(TestResultsSamples)
#include "test_results_samples.moc"
