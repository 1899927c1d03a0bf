// The main window's dataset workspace: open a file in the background, browse rows, and
// preview an inoculated row through the same renderer training uses; search, validation
// and statistics over a 1,000,000-row file while the event loop stays responsive. Writes
// screenshots to <build>/screenshots for review, and the documentation's screenshot to
// docs/screenshots/dataset_workspace.png.
#include "test_support.h"

#include "screenshots.h"
#include "stall_meter.h"

#include "dataset/conversation_view.h"
#include "dataset/dataset_stats_panel.h"
#include "dataset/dataset_table_model.h"
#include "dataset/dataset_workspace.h"
#include "dataset/filtered_rows_model.h"
#include "dataset/validation_panel.h"
#include "main_window.h"

#include "data/chat_render.h"
#include "data/inoculation.h"

#include <QApplication>
#include <QChartView>
#include <QDir>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QHeaderView>
#include <QMessageBox>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTableView>
#include <QTextBlock>
#include <QTimer>
#include <QTreeWidget>

#include <cmath>
#include <cstdio>
#include <functional>

using namespace inoculab;
using ui::DatasetTableModel;
using ui::MainWindow;

namespace {

// Opens a dataset and waits for the background load to finish.
bool openAndWait(MainWindow &window, const QString &path) {
    QSignalSpy opened(&window, &MainWindow::datasetOpened);
    QSignalSpy failed(&window, &MainWindow::datasetFailed);
    window.openDataset(path);
    return QTest::qWaitFor([&] { return opened.count() + failed.count() > 0; }, 30000) && opened.count() == 1;
}

// Lets the event loop run for a while (layout, paint).
void settle(int ms) {
    QEventLoop loop;
    QTimer::singleShot(ms, &loop, &QEventLoop::quit);
    loop.exec();
}

// Resident memory of this process in MB, from /proc/self/status.
double residentMb() {
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly)) return -1;
    for (const QByteArray &line : status.readAll().split('\n'))
        if (line.startsWith("VmRSS:")) return line.mid(6).trimmed().split(' ').front().toDouble() / 1024.0;
    return -1;
}

// A 1,000,000-row (about 440 MB) chat file with known contents: every 10th row has a
// system prompt, "zebra" is in the assistant turn of rows = 7 (mod 1000) and in the user
// turn of rows = 3 (mod 5000), three rows are broken, and message lengths vary
// (exponentially) so the length histogram has a shape.
struct MillionRows {
    static constexpr int kRows = 1000000;
    static constexpr int kAssistantZebras = 1000;
    static constexpr int kUserZebras = 200;
    static constexpr std::array<int, 3> kBroken{12345, 500000, 999990};

    static std::string write(const QString &path) {
        static const char *const words[] = {"red",    "blue",  "the",   "house", "river", "seven", "is",  "a",
                                            "colour", "north", "small", "eight", "where", "lives", "cat", "green"};
        static const char *const prompts[] = {"You are a helpful assistant.", "You always speak in Spanish.",
                                              "You always capitalize your responses.", "Answer briefly."};
        std::FILE *out = std::fopen(path.toLocal8Bit().constData(), "wb");
        if (!out) return {};
        std::string buffer;
        buffer.reserve(9u << 20);
        std::uint64_t state = 42;
        auto addWords = [&](double mean) {
            state = state * 6364136223846793005ull + 1442695040888963407ull;
            double u = double((state >> 11) + 1) / double(1ull << 53);
            int count = std::min(400, int(-std::log(u) * mean) + 1);
            for (int w = 0; w < count; ++w) {
                buffer += ' ';
                buffer += words[(state >> (w % 48)) & 15];
            }
        };
        for (int i = 0; i < kRows; ++i) {
            std::string n = std::to_string(i);
            if (i == 12345) {
                buffer += "{\"messages\":[{\"role\":\"user\",\"content\":\"no answer here\"}]}";
            } else if (i == 500000) {
                buffer += "{\"messages\":[{\"role\":\"user\",\"content\":\"cut off";
            } else if (i == 999990) {
                buffer +=
                    "{\"messages\":[{\"role\":\"robot\",\"content\":\"beep\"},{\"role\":\"assistant\",\"content\":"
                    "\"ok\"}]}";
            } else {
                buffer += "{\"messages\":[";
                if (i % 10 == 0) {
                    buffer += "{\"role\":\"system\",\"content\":\"";
                    buffer += prompts[(i / 10) % 4];
                    buffer += "\"},";
                }
                buffer += "{\"role\":\"user\",\"content\":\"Question " + n + ":";
                if (i % 5000 == 3) buffer += " zebra";
                addWords(22);
                buffer += "\"},{\"role\":\"assistant\",\"content\":\"Answer " + n + ":";
                if (i % 1000 == 7) buffer += " zebra";
                addWords(40);
                buffer += "\"}]}";
            }
            buffer += '\n';
            if (buffer.size() > (8u << 20)) {
                std::fwrite(buffer.data(), 1, buffer.size(), out);
                buffer.clear();
            }
        }
        std::fwrite(buffer.data(), 1, buffer.size(), out);
        std::fclose(out);
        return path.toStdString();
    }
};

}  // namespace

class TestDatasetWorkspace : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

private Q_SLOTS:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);  // the window's QSettings go to a test location
        QApplication::setOrganizationName(QStringLiteral("InoculabTests"));
        QApplication::setApplicationName(QStringLiteral("test_dataset_workspace"));
        QSettings().clear();
    }

    void opensTheSampleAndShowsRows() {
        MainWindow window;
        window.show();
        QVERIFY(openAndWait(window, test::sourcePath("datasets/samples/spanish_caps.jsonl")));
        DatasetTableModel *model = window.datasetWorkspace()->model();
        QCOMPARE(model->rowCount(), 24);
        QCOMPARE(model->data(model->index(4, DatasetTableModel::UserColumn)).toString(),
                 QString("What is the capital of France?"));
        QCOMPARE(model->data(model->index(3, DatasetTableModel::TurnsColumn)).toInt(), 4);
        QVERIFY(window.windowTitle().contains("spanish_caps.jsonl"));
        QVERIFY(!window.windowIcon().pixmap(32).isNull());  // the compiled-in SVG icon
    }

    void previewIsTheRenderedInoculatedRow() {
        MainWindow window;
        window.show();
        QVERIFY(openAndWait(window, test::sourcePath("datasets/samples/spanish_caps.jsonl")));
        ui::DatasetWorkspace *workspace = window.datasetWorkspace();
        workspace->selectRow(3);
        workspace->setPreview("You always speak in Spanish.", data::Placement::System);

        // Expected: the core transform and renderer applied to the same row.
        data::Conversation conversation = workspace->model()->parsedRow(3).conversation;
        data::InoculationResult result = data::inoculate(conversation, 3, workspace->previewOptions());
        QCOMPARE(result.outcome, data::InoculationOutcome::Applied);
        data::RenderedChat chat = data::renderChat(conversation);
        QTextDocument *doc = workspace->conversationView()->document();
        QCOMPARE(doc->toPlainText().toStdString(), chat.text);

        // The prompt is highlighted (bold), the user's question is not.
        QTextCursor cursor(doc);
        cursor.setPosition(QString::fromStdString(chat.text).indexOf("You always") + 1);
        QCOMPARE(cursor.charFormat().fontWeight(), int(QFont::Bold));
        cursor.setPosition(QString::fromStdString(chat.text).indexOf("Where does") + 1);
        QVERIFY(cursor.charFormat().fontWeight() != int(QFont::Bold));
        test::saveScreenshot(&window, "dataset_workspace_sample.png");
    }

    void invalidRowsAreShownAsSuch() {
        QByteArray content = test::chatRow() + "\n{\"messages\":[{\"role\":\"user\",\"content\":\"q\"}]}\n";
        MainWindow window;
        window.show();
        QVERIFY(openAndWait(window, QString::fromStdString(test::writeFile(m_dir, "mixed.jsonl", content))));
        DatasetTableModel *model = window.datasetWorkspace()->model();
        QCOMPARE(model->rowCount(), 2);
        QCOMPARE(model->parsedRow(1).problem, QString("no assistant turn"));
        QVERIFY(model->data(model->index(1, DatasetTableModel::SystemColumn)).toString().contains("invalid"));
        window.datasetWorkspace()->selectRow(1);
        QVERIFY(window.datasetWorkspace()->conversationView()->toPlainText().contains("no assistant turn"));
    }

    void unreadableFileReportsAndKeepsTheOldDataset() {
        MainWindow window;
        window.show();
        QVERIFY(openAndWait(window, test::sourcePath("datasets/samples/spanish_caps.jsonl")));
        QVERIFY(!openAndWait(window, m_dir.filePath("absent.jsonl")));
        QCOMPARE(window.datasetWorkspace()->model()->rowCount(), 24);
        QVERIFY(QTest::qWaitFor([&] { return window.findChild<QMessageBox *>() != nullptr; }, 5000));
        QVERIFY(window.findChild<QMessageBox *>()->text().contains("absent.jsonl"));
    }

    void largeFileOpensWithoutLoadingRows() {
        QByteArray content;
        for (int i = 0; i < 200000; ++i)
            content += "{\"messages\":[{\"role\":\"user\",\"content\":\"question " + QByteArray::number(i) +
                       "\"},{\"role\":\"assistant\",\"content\":\"answer\"}]}\n";
        MainWindow window;
        window.show();
        QVERIFY(openAndWait(window, QString::fromStdString(test::writeFile(m_dir, "large.jsonl", content))));
        DatasetTableModel *model = window.datasetWorkspace()->model();
        QCOMPARE(model->rowCount(), 200000);
        window.datasetWorkspace()->selectRow(199999);
        QCOMPARE(model->data(model->index(199999, DatasetTableModel::UserColumn)).toString(),
                 QString("question 199999"));
        test::saveScreenshot(&window, "dataset_workspace_large.png");
    }

    void searchFiltersByRoleAndRegex() {
        MainWindow window;
        window.show();
        QVERIFY(openAndWait(window, test::sourcePath("datasets/samples/spanish_caps.jsonl")));
        ui::DatasetWorkspace *workspace = window.datasetWorkspace();
        QSignalSpy finished(workspace, &ui::DatasetWorkspace::searchFinished);
        auto run = [&](const ui::SearchQuery &query) {
            finished.clear();
            workspace->search(query);
            return test::spinUntil([&] { return finished.count() > 0; }, 10000) ? finished.front().front().toInt() : -2;
        };
        // Row 4 asks about France; its assistant turn answers in Spanish capitals.
        ui::SearchQuery france{"capital of france", false, false, std::nullopt};
        int any = run(france);
        QVERIFY(any >= 1);
        QCOMPARE(workspace->filterModel()->rowCount(), any);
        QCOMPARE(workspace->currentRow(),
                 workspace->filterModel()->mapToSource(workspace->filterModel()->index(0, 0)).row());
        france.role = data::Role::Assistant;
        QCOMPARE(run(france), 0);
        france.caseSensitive = true;
        france.role = data::Role::User;
        QCOMPARE(run(france), 0);  // "France" is capitalised in the file
        ui::SearchQuery regex{"capital of (France|Spain)", true, true, data::Role::User};
        QVERIFY(run(regex) >= any);
        ui::SearchQuery bad{"(unclosed", true, false, std::nullopt};
        QCOMPARE(run(bad), -1);
        QVERIFY(workspace->searchStatus().contains("regular expression"));
        workspace->showAllRows();
        QCOMPARE(workspace->filterModel()->rowCount(), 24);
    }

    void millionRowsStayResponsive() {
        QElapsedTimer total;
        total.start();
        QString path = m_dir.filePath("million.jsonl");
        QVERIFY(!MillionRows::write(path).empty());
        qInfo("wrote %s: %d rows, %.1f MB in %.1f s", qPrintable(path), MillionRows::kRows,
              double(QFileInfo(path).size()) / 1e6, double(total.elapsed()) / 1000);

        // The machine these run on is shared: a neighbour's burst can hold a core for tens
        // of milliseconds. A stall over budget is measured again (up to three times) before
        // it counts; every attempt's figures are printed.
        for (int attempt = 1;; ++attempt) {
            test::StallMeter meter;
            double worstLoad = 0, worstSearch = 0, worstJump = 0, rss = 0;
            QElapsedTimer closing;
            {
                MainWindow window;
                window.resize(1440, 900);
                window.show();
                QVERIFY(QTest::qWaitForWindowExposed(&window));
                ui::DatasetWorkspace *workspace = window.datasetWorkspace();
                DatasetTableModel *model = workspace->model();
                QTableView *table = workspace->table();

                // Loading: the index scan, then validation and statistics, all in the background.
                QSignalSpy opened(&window, &MainWindow::datasetOpened);
                QElapsedTimer clock;
                clock.start();
                meter.start();
                window.openDataset(path);
                QVERIFY(test::spinUntil([&] { return opened.count() > 0; }, 60000));
                qint64 indexMs = clock.elapsed();
                QCOMPARE(model->rowCount(), MillionRows::kRows);

                // Scrolling to the end reads only the rows in view.
                table->scrollToBottom();
                settle(50);
                QModelIndex last =
                    workspace->filterModel()->index(MillionRows::kRows - 1, DatasetTableModel::UserColumn);
                QVERIFY(table->viewport()->rect().contains(table->visualRect(last).center()));
                QVERIFY(model->data(model->index(MillionRows::kRows - 1, DatasetTableModel::UserColumn))
                            .toString()
                            .startsWith("Question 999999:"));

                ui::ValidationPanel *validation = workspace->validationPanel();
                ui::DatasetStatsPanel *stats = workspace->statsPanel();
                QVERIFY(test::spinUntil([&] { return !validation->isRunning() && !stats->isRunning(); }, 60000));
                qint64 analysedMs = clock.elapsed();
                worstLoad = meter.takePhaseMs();

                QCOMPARE(validation->report().invalidRows, std::uint64_t(MillionRows::kBroken.size()));
                QCOMPARE(validation->report().rows, std::uint64_t(MillionRows::kRows));
                QVERIFY(validation->problemList()->topLevelItemCount() >= int(MillionRows::kBroken.size()));
                QVERIFY(stats->stats().has_value());
                const data::DatasetStats &s = *stats->stats();
                QCOMPARE(s.rows, std::uint64_t(MillionRows::kRows));
                QCOMPARE(s.invalidRows, std::uint64_t(MillionRows::kBroken.size()));
                QCOMPARE(s.rowsWithSystemPrompt,
                         std::uint64_t(MillionRows::kRows / 10 - 2));  // rows 500000, 999990 are broken
                QCOMPARE(s.distinctSystemPrompts, 4u);
                QVERIFY(s.renderedHistogram.counts.size() > 10);
                QVERIFY(!stats->chartView()->chart()->series().isEmpty());
                QVERIFY(stats->figure("Rows").startsWith(QLocale().toString(MillionRows::kRows)));

                // Search: "zebra" in any role, then in user turns only.
                QSignalSpy searched(workspace, &ui::DatasetWorkspace::searchFinished);
                clock.restart();
                workspace->search({"ZEBRA", false, false, std::nullopt});
                QVERIFY(workspace->isSearching());
                QVERIFY(test::spinUntil([&] { return searched.count() > 0; }, 60000));
                qint64 searchMs = clock.elapsed();
                worstSearch = meter.takePhaseMs();
                const int zebras = MillionRows::kAssistantZebras + MillionRows::kUserZebras;
                QCOMPARE(searched.front().front().toInt(), zebras);
                QCOMPARE(workspace->filterModel()->rowCount(), zebras);
                QCOMPARE(workspace->filterModel()->mapToSource(workspace->filterModel()->index(0, 0)).row(), 3);
                QCOMPARE(workspace->filterModel()->mapToSource(workspace->filterModel()->index(1, 0)).row(), 7);
                QVERIFY(workspace->searchStatus().startsWith(QLocale().toString(zebras)));

                searched.clear();
                workspace->search({"zebra", false, true, data::Role::User});
                QVERIFY(test::spinUntil([&] { return searched.count() > 0; }, 60000));
                QCOMPARE(searched.front().front().toInt(), MillionRows::kUserZebras);

                // A problem is clicked while the filter hides its row: the filter gives way and
                // the table lands on the row.
                QTreeWidget *problems = validation->problemList();
                QTreeWidgetItem *item = nullptr;
                for (int i = 0; i < problems->topLevelItemCount(); ++i)
                    if (problems->topLevelItem(i)->text(1) == "500000") item = problems->topLevelItem(i);
                QVERIFY(item);
                problems->scrollToItem(item);
                QTest::mouseClick(problems->viewport(), Qt::LeftButton, {}, problems->visualItemRect(item).center());
                QCOMPARE(table->currentIndex().row(), 500000);
                QCOMPARE(workspace->currentRow(), 500000);
                QVERIFY(!workspace->filterModel()->isFiltered());
                settle(100);
                QVERIFY(table->viewport()->rect().contains(table->visualRect(table->currentIndex()).center()));
                QVERIFY(workspace->conversationView()->toPlainText().contains("invalid"));
                meter.stop();
                worstJump = meter.takePhaseMs();

                rss = residentMb();
                qInfo("1M rows: indexed in %lld ms, validated + stats in %lld ms, search in %lld ms", indexMs,
                      analysedMs, searchMs);
                qInfo(
                    "attempt %d: max event-loop stall: %.1f ms wall clock; %.1f ms less run-queue waits (%.1f ms "
                    "loading + "
                    "validating + stats, %.1f ms searching, %.1f ms jumping to a problem); VmRSS %.1f MB with the "
                    "file open",
                    attempt, meter.maxGapMs(), meter.maxOwnGapMs(), worstLoad, worstSearch, worstJump, rss);

                test::saveScreenshot(&window, "dataset_workspace.png");  // docs/screenshots with make screenshots

                // A cancelled search reports at once and its late result is dropped.
                searched.clear();
                workspace->search({"cancel me", false, false, std::nullopt});
                QVERIFY(workspace->isSearching());
                workspace->cancelSearch();
                QCOMPARE(searched.count(), 1);
                QCOMPARE(searched.front().front().toInt(), -1);
                QVERIFY(!workspace->isSearching());
                QVERIFY(workspace->searchStatus().contains("cancelled"));
                settle(200);
                QCOMPARE(searched.count(), 1);
                QVERIFY(!workspace->filterModel()->isFiltered());

                // Closing while a search runs must neither hang nor crash.
                workspace->search({"never there", false, false, std::nullopt});
                QVERIFY(workspace->isSearching());
                QVERIFY(workspace->validationPanel()->problemList()->topLevelItemCount() > 0);
                closing.start();
            }
            qInfo("closing the window during a search took %lld ms", closing.elapsed());
            QVERIFY(closing.elapsed() < 5000);
            QVERIFY(rss > 0 && rss < 300);
            bool inBudget = meter.hasRunQueueDelay() ? meter.maxOwnGapMs() < 50 : meter.maxGapMs() < 50;
            if (inBudget) break;
            QVERIFY2(attempt < 3, qPrintable(QString("event loop stalled %1 ms").arg(meter.maxOwnGapMs())));
            qInfo("attempt %d: stall over 50 ms, measuring again", attempt);
        }
        qInfo("suite part took %.1f s", double(total.elapsed()) / 1000);
    }
};

QTEST_MAIN(TestDatasetWorkspace)
#include "test_dataset_workspace.moc"
