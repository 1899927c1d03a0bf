// The workbench as a researcher drives it: open, edit, undo and save an experiment spec; see
// the inoculated training row change as a prompt is typed; keep prompts in the library; run
// the elicitation check on the toy base model; find a finished experiment's runs and numbers
// from the store; errors shown in the window; geometry restored. Writes screenshots.
#include "test_support.h"

#include "screenshots.h"

#include "dataset/conversation_view.h"
#include "about_dialog.h"
#include "experiment_navigator.h"
#include "jobs/jobs_workspace.h"
#include "main_window.h"
#include "prompts/condition_editor.h"
#include "prompts/elicitation_panel.h"
#include "prompts/inoculation_preview.h"
#include "prompts/prompt_library_panel.h"
#include "prompts/prompts_workspace.h"
#include "results/results_workspace.h"
#include "spec_document.h"

#include "experiment/experiment_spec.h"
#include "store/prompt_library.h"

#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QMenuBar>
#include <QPlainTextEdit>
#include <QProcess>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSplitter>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableWidget>
#include <QTextBlock>
#include <QTextCursor>
#include <QUndoStack>

using namespace inoculab;
using ui::MainWindow;

namespace {

QString defaultSpec() { return test::sourcePath(QStringLiteral("datasets/experiments/spanish-caps.json")); }
QString smokeSpec() { return test::sourcePath(QStringLiteral("tests/cli/data/smoke-experiment.json")); }

QAction *menuAction(MainWindow &window, const QString &text) {
    for (QAction *menu : window.menuBar()->actions())
        for (QAction *action : menu->menu()->actions())
            if (action->text().remove('&').startsWith(text)) return action;
    return nullptr;
}

// The text the view shows with the "inserted" highlight (bold on the yellow background).
QString highlightedText(const QTextDocument *document) {
    QString out;
    for (QTextBlock block = document->begin(); block.isValid(); block = block.next())
        for (auto it = block.begin(); !it.atEnd(); ++it)
            if (it.fragment().charFormat().fontWeight() == QFont::Bold) out += it.fragment().text();
    return out;
}

int conditionIndex(MainWindow &window, const std::string &name) {
    const auto &conditions = window.document()->spec().conditions;
    for (std::size_t i = 0; i < conditions.size(); ++i)
        if (conditions[i].name == name) return int(i);
    return -1;
}

}  // namespace

class TestWorkbench : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

    QString path(const char *name) const { return m_dir.filePath(QLatin1String(name)); }

private Q_SLOTS:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);  // QSettings go to a test location
        QApplication::setOrganizationName(QStringLiteral("InoculabTests"));
        QApplication::setApplicationName(QStringLiteral("test_workbench"));
        QSettings().clear();
    }

    void openEditUndoSaveASpec() {
        QFile::copy(defaultSpec(), path("spec.json"));
        MainWindow window;
        window.show();
        QVERIFY(window.document()->problems().empty());  // the new, untitled spec can run as it is
        QVERIFY(window.openSpec(path("spec.json")));
        QCOMPARE(window.workspaces()->count(), 4);
        QCOMPARE(window.workspaces()->tabText(0), QString("Prompts"));
        QVERIFY(!window.isWindowModified());
        QVERIFY(window.recentSpecs().contains(QFileInfo(path("spec.json")).absoluteFilePath()));

        // Select inoc-spanish and type into its prompt, as a user would.
        ui::ConditionEditor *conditions = window.promptsWorkspace()->conditions();
        int spanish = conditionIndex(window, "inoc-spanish");
        QCOMPARE(spanish, 1);
        conditions->selectCondition(spanish);
        QPlainTextEdit *prompt = conditions->promptEditor();
        QCOMPARE(prompt->toPlainText(), QString("You always speak in Spanish."));
        prompt->setFocus();
        prompt->moveCursor(QTextCursor::End);
        QTest::keyClicks(prompt, " Always.");
        const std::string edited = "You always speak in Spanish. Always.";
        QCOMPARE(window.document()->spec().conditions[1].inoculation.prompt, edited);
        QVERIFY(window.isWindowModified());
        // Typing is one undo step, not one per key.
        QCOMPARE(window.document()->undoStack()->count(), 1);

        QAction *undo = menuAction(window, "Undo");
        QAction *redo = menuAction(window, "Redo");
        QVERIFY(undo && redo);
        undo->trigger();
        QCOMPARE(window.document()->spec().conditions[1].inoculation.prompt,
                 std::string("You always speak in Spanish."));
        QCOMPARE(prompt->toPlainText(), QString("You always speak in Spanish."));
        QVERIFY(!window.isWindowModified());
        redo->trigger();
        QCOMPARE(prompt->toPlainText(), QString::fromStdString(edited));

        // Save writes the spec the CLI runs; the file reads back with the edit.
        QVERIFY(window.saveSpec());
        QVERIFY(!window.isWindowModified());
        experiment::ExperimentSpec saved = experiment::loadExperimentSpec(path("spec.json").toStdString());
        QCOMPARE(saved.conditions[1].inoculation.prompt, edited);
        experiment::ExperimentSpec original = experiment::loadExperimentSpec(defaultSpec().toStdString());
        saved.conditions[1].inoculation.prompt = original.conditions[1].inoculation.prompt;
        QVERIFY(saved == original);  // nothing else changed

        // A spec made invalid by an edit is named in the window by its field.
        experiment::ExperimentSpec broken = window.document()->spec();
        broken.conditions[2].name = broken.conditions[1].name;
        window.document()->edit(broken, "duplicate name");
        QVERIFY(!window.document()->problems().empty());
        QVERIFY2(QString::fromStdString(window.document()->problems().front().path).startsWith("conditions["),
                 window.document()->problems().front().path.c_str());
        window.document()->undoStack()->undo();
        QVERIFY(window.document()->problems().empty());
    }

    void badSpecsAreReportedInTheWindow() {
        MainWindow window;
        window.show();
        test::writeFile(m_dir, "bad.json", "{\"name\": \"x\",\n \"seeds\": [0, -1]}");
        QVERIFY(!window.openSpec(path("bad.json")));
        QVERIFY2(window.lastError().contains(path("bad.json")), qPrintable(window.lastError()));
        QVERIFY2(window.lastError().contains("seeds"), qPrintable(window.lastError()));
        QVERIFY(window.document()->path().isEmpty());  // the untitled spec is still open
        QApplication::closeAllWindows();               // the non-blocking message box
    }

    void previewShowsTheInoculatedRowAsTyped() {
        MainWindow window;
        window.show();
        QVERIFY(window.openSpec(defaultSpec()));
        ui::InoculationPreview *preview = window.promptsWorkspace()->preview();
        QVERIFY(QTest::qWaitFor([&] { return preview->rowCount() == 2000; }, 30000));
        ui::ConditionEditor *conditions = window.promptsWorkspace()->conditions();
        conditions->selectCondition(conditionIndex(window, "inoc-caps"));
        preview->setRow(7);
        QString inoculated = preview->inoculatedView()->toPlainText();
        QVERIFY2(inoculated.contains("<|system|>\nYou always capitalize your responses.<|end|>"),
                 qPrintable(inoculated));
        QVERIFY(!preview->originalView()->toPlainText().contains("<|system|>"));
        QCOMPARE(highlightedText(preview->inoculatedView()->document()),
                 QString("You always capitalize your responses."));
        // Byte tokens: the prompt's 37 bytes plus the system marker and end tokens.
        QVERIFY2(preview->tokenSummary().contains("(+39)"), qPrintable(preview->tokenSummary()));

        // Edit the prompt: the preview follows, with the new text highlighted.
        QPlainTextEdit *prompt = conditions->promptEditor();
        prompt->selectAll();
        QTest::keyClicks(prompt, "Answer in capitals.");
        QCOMPARE(highlightedText(preview->inoculatedView()->document()), QString("Answer in capitals."));
        QVERIFY(preview->inoculatedView()->toPlainText().contains("<|system|>\nAnswer in capitals.<|end|>"));
        QVERIFY2(preview->tokenSummary().contains("(+21)"), qPrintable(preview->tokenSummary()));
        // A user-prefix placement puts it into the user turn instead.
        experiment::ConditionSpec c = window.document()->spec().conditions[std::size_t(conditions->currentCondition())];
        c.inoculation.placement = data::Placement::UserPrefix;
        window.document()->setCondition(conditions->currentCondition(), c);
        QVERIFY(preview->inoculatedView()->toPlainText().contains("<|user|>\nAnswer in capitals.\n"));
        QVERIFY(!preview->inoculatedView()->toPlainText().contains("<|system|>"));
        test::saveScreenshot(&window, QStringLiteral("prompts_preview.png"));
        window.document()->undoStack()->setClean();  // no unsaved-changes question at close
    }

    void promptLibraryLivesInTheStore() {
        MainWindow window;
        window.show();
        QVERIFY(window.openStore(path("library.sqlite")));
        ui::PromptLibraryPanel *library = window.promptsWorkspace()->library();
        QCOMPARE(library->prompts().size(), std::size_t(4));  // the paper's examples in a new library
        QCOMPARE(library->table()->rowCount(), 4);

        // New prompt: type it, tag it, save it.
        library->table()->clearSelection();
        library->textEditor()->setPlainText("Spanish is the only language you use.");
        QVERIFY(library->saveEdits());
        QCOMPARE(library->prompts().size(), std::size_t(5));
        std::int64_t id = library->selectedId();
        QVERIFY(id > 0);
        library->duplicateSelected();
        QCOMPARE(library->prompts().size(), std::size_t(6));
        library->deleteSelected();
        QCOMPARE(library->prompts().size(), std::size_t(5));
        // Another connection (the CLI, another window) sees the same library.
        store::ResultsStore other = store::ResultsStore::open(path("library.sqlite").toStdString());
        auto stored = store::listPrompts(other);
        QCOMPARE(stored.size(), std::size_t(5));
        QCOMPARE(stored.back().text, std::string("Spanish is the only language you use."));

        // "Use for condition" hands the prompt to the selected condition, undoably.
        window.document()->reset();
        library->selectPrompt(id);
        QSignalSpy used(library, &ui::PromptLibraryPanel::useForCondition);
        for (QPushButton *b : library->findChildren<QPushButton *>())
            if (b->text() == "Use for condition") b->click();
        QCOMPARE(used.count(), 1);
        QCOMPARE(window.document()->spec().conditions[0].inoculation.prompt,
                 std::string("Spanish is the only language you use."));
        window.document()->undoStack()->undo();
        QVERIFY(window.document()->spec().conditions[0].inoculation.prompt.empty());
    }

    void navigatorJobsAndResultsReadTheStore() {
        // A finished experiment in a store, written by the real CLI.
        QProcess cli;
        cli.start(qEnvironmentVariable("INOCULAB_CLI"),
                  {"experiment", "run", smokeSpec(), "--store", path("runs.sqlite"), "--cache", path("cache"),
                   "--progress", "none", "--conditions", "baseline,inoc-spanish", "--seeds", "0,1"});
        QVERIFY(cli.waitForFinished(180000));
        QVERIFY2(cli.exitCode() == 0, cli.readAllStandardError().constData());

        MainWindow window;
        window.show();
        QVERIFY(window.openSpec(smokeSpec()));
        QVERIFY(window.openStore(path("runs.sqlite")));
        ui::ExperimentNavigator *navigator = window.navigator();
        QCOMPARE(navigator->topLevelItemCount(), 1);
        QTreeWidgetItem *experiment = navigator->topLevelItem(0);
        QCOMPARE(experiment->text(0), QString("smoke"));
        QCOMPARE(experiment->text(1), QString("4/4 done"));
        QCOMPARE(experiment->childCount(), 2);
        QCOMPARE(experiment->child(1)->text(0), QString("inoc-spanish"));
        QCOMPARE(experiment->child(1)->child(1)->text(0), QString("seed 1"));
        QCOMPARE(experiment->child(1)->child(1)->text(1), QString("done"));
        QVERIFY(navigator->selectedExperiment() > 0);  // the open spec's experiment

        // Jobs lists every run of the open spec with what the store says of it.
        QCOMPARE(window.jobsWorkspace()->table()->rowCount(), 4 * 2);
        QCOMPARE(window.jobsWorkspace()->stateOf("baseline", 1), QString("done"));
        QCOMPARE(window.jobsWorkspace()->stateOf("inoc-spanish", 0), QString("done"));
        QCOMPARE(window.jobsWorkspace()->stateOf("control", 0), QString("not started"));

        // Results: the same numbers as `results summary`.
        ui::ResultsWorkspace *results = window.resultsWorkspace();
        QVERIFY(QTest::qWaitFor([&] { return !results->isLoading() && results->table()->rowCount() > 0; }, 30000));
        results->contextChoice()->setCurrentIndex(0);  // all contexts
        QProcess summary;
        summary.start(qEnvironmentVariable("INOCULAB_CLI"),
                      {"results", "summary", "--store", path("runs.sqlite"), "--experiment", "smoke", "--json"});
        QVERIFY(summary.waitForFinished(30000));
        QJsonArray rows = QJsonDocument::fromJson(summary.readAllStandardOutput()).array();
        QCOMPARE(results->table()->rowCount(), int(rows.size()));
        for (int i = 0; i < rows.size(); ++i) {
            QJsonObject row = rows[i].toObject();
            QCOMPARE(results->table()->item(i, 0)->text(), row.value("condition").toString());
            QCOMPARE(results->table()->item(i, 2)->text(), row.value("trait").toString());
            QCOMPARE(results->table()->item(i, 3)->text(), QString::number(row.value("mean").toDouble(), 'f', 3));
        }
        window.workspaces()->setCurrentIndex(3);
        test::saveScreenshot(&window, QStringLiteral("workbench_results_table.png"));
    }

    void elicitationCheckGivesANumberPerPrompt() {
        MainWindow window;
        window.show();
        QVERIFY(window.openSpec(smokeSpec()));
        QVERIFY(window.openStore(path("runs.sqlite")));  // the store the test above filled
        window.setCacheDir(path("cache"));
        ui::ElicitationPanel *panel = window.promptsWorkspace()->elicitation();
        panel->setRows(24);
        panel->setMeasureTraits(true);
        QSignalSpy finished(panel, &ui::ElicitationPanel::finished);
        panel->start();
        QVERIFY(panel->isRunning());
        QVERIFY(QTest::qWaitFor([&] { return finished.count() == 1; }, 180000));
        QVERIFY2(finished.first().first().toBool(), qPrintable(panel->statusText()));
        // The 4 library prompts; the smoke spec's 3 condition prompts are among them.
        QTableWidget *table = panel->table();
        QCOMPARE(table->rowCount(), 4);
        QSet<QString> prompts;
        for (int row = 0; row < table->rowCount(); ++row) {
            prompts.insert(table->item(row, 0)->text());
            double without = table->item(row, 2)->data(Qt::UserRole).toDouble();
            double with = table->item(row, 3)->data(Qt::UserRole).toDouble();
            double drop = table->item(row, 4)->data(Qt::UserRole).toDouble();
            QVERIFY(without > 0 && with > 0);
            QVERIFY(std::abs(drop - (without - with)) < 1e-9);
            if (row > 0) QVERIFY(drop <= table->item(row - 1, 4)->data(Qt::UserRole).toDouble());  // sorted
        }
        QVERIFY(prompts.contains("You always speak in Spanish."));
        QVERIFY(table->item(0, 1)->text().size() > 0);
        // Then per-row columns and one column per trait: the same numbers `experiment elicit`
        // gives for these prompts (the same job, seed and thread count).
        QCOMPARE(table->columnCount(), 9);
        QCOMPARE(table->horizontalHeaderItem(7)->text(), QString("Δ spanish"));
        QCOMPARE(table->horizontalHeaderItem(8)->text(), QString("Δ all_caps"));
        QStringList args{"experiment", "elicit", smokeSpec(), "--rows", "24", "--traits", "--cache", path("cache"), "--json"};
        for (int row = 0; row < table->rowCount(); ++row) args << "--prompt" << table->item(row, 0)->toolTip();
        QProcess cli;
        cli.start(qEnvironmentVariable("INOCULAB_CLI"), args);
        QVERIFY(cli.waitForFinished(180000));
        QCOMPARE(cli.exitCode(), 0);
        QMap<QString, QJsonObject> byPrompt;
        for (const QJsonValue &v : QJsonDocument::fromJson(cli.readAllStandardOutput()).array())
            byPrompt[v.toObject()["prompt"].toString()] = v.toObject();
        for (int row = 0; row < table->rowCount(); ++row) {
            QJsonObject expected = byPrompt.value(table->item(row, 0)->toolTip());
            QCOMPARE(table->item(row, 4)->data(Qt::UserRole).toDouble(), expected["drop"].toDouble());
            QCOMPARE(table->item(row, 5)->data(Qt::UserRole).toDouble(),
                     expected["per_row"].toObject()["mean_change"].toObject()["mean"].toDouble());
            for (int t = 0; t < 2; ++t) {
                QJsonObject trait = expected["traits"].toArray()[t].toObject();
                QCOMPARE(table->item(row, 7 + t)->data(Qt::UserRole).toDouble(),
                         trait["elicitation"].toObject()["mean"].toDouble());
                QVERIFY(table->item(row, 7 + t)->toolTip().contains("without the prompt"));
            }
        }
        QCOMPARE(window.promptsWorkspace()->conditions()->table()->rowCount(), 4);
        window.promptsWorkspace()->conditions()->selectCondition(conditionIndex(window, "inoc-spanish"));
        window.promptsWorkspace()->preview()->setRow(3);
        window.workspaces()->setCurrentIndex(0);
        test::saveScreenshot(&window, QStringLiteral("prompts_workspace.png"));
    }

    void elicitationCheckCanBeCancelled() {
        // A base model that takes long to pretrain: cancel while it trains. The worker keeps
        // its place (a .partial checkpoint beside the base model) for the next check.
        MainWindow window;
        window.show();
        QVERIFY(window.openSpec(smokeSpec()));
        experiment::ExperimentSpec slow = window.document()->spec();
        slow.baseModel.toy.pretraining.steps = 20000;
        window.document()->edit(slow, "long pretraining");
        window.setCacheDir(path("slow-cache"));
        ui::ElicitationPanel *panel = window.promptsWorkspace()->elicitation();
        QSignalSpy finished(panel, &ui::ElicitationPanel::finished);
        panel->start();
        QVERIFY(QTest::qWaitFor([&] { return panel->statusText().startsWith("Pretraining"); }, 60000));
        panel->cancel();
        QVERIFY(QTest::qWaitFor([&] { return finished.count() == 1; }, 30000));
        QCOMPARE(finished.first().first().toBool(), false);
        QCOMPARE(panel->statusText(), QString("Cancelled."));
        QVERIFY(!panel->isRunning());
        QStringList partial = QDir(path("slow-cache/base")).entryList({"*.partial"}, QDir::Dirs);
        QCOMPARE(partial.size(), 1);
        QVERIFY(QFile::exists(path("slow-cache/base/") + partial.first() + "/trainer.json"));
        window.document()->undoStack()->setClean();
    }

    void aboutSaysWhatTrainingRunsOn() {
        // Help > About shows `system info` as the CLI prints it.
        MainWindow window;
        window.show();
        ui::AboutDialog *about = window.showAbout();
        QProcess cli;
        cli.start(qEnvironmentVariable("INOCULAB_CLI"), {"system", "info"});
        QVERIFY(cli.waitForFinished(60000));
        const QString expected = QString::fromUtf8(cli.readAllStandardOutput());
        QVERIFY(expected.contains("libtorch"));
        QVERIFY(QTest::qWaitFor([&] { return !about->reportText().isEmpty(); }, 60000));
        QCOMPARE(about->reportText().trimmed(), expected.trimmed());
        test::saveScreenshot(about, QStringLiteral("about_dialog.png"));
        about->close();
    }

    void geometryAndWorkspaceAreRestored() {
        QList<int> sizes;
        {
            MainWindow window;
            window.show();
            window.resize(1111, 777);  // a laptop fits the window: its minimum width is ~1030
            window.workspaces()->setCurrentIndex(2);
            auto *dataset = window.findChild<QSplitter *>("datasetMain");
            QVERIFY(dataset);
            dataset->setSizes({700, 300});
            sizes = dataset->sizes();
            QVERIFY(window.close());
        }
        MainWindow again;
        QCOMPARE(again.workspaces()->currentIndex(), 2);
        again.show();
        QCOMPARE(again.findChild<QSplitter *>("datasetMain")->sizes(), sizes);
        QCOMPARE(again.size(), QSize(1111, 777));
    }
};

QTEST_MAIN(TestWorkbench)
#include "test_workbench.moc"
