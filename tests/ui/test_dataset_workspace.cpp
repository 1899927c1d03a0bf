// The main window's dataset workspace: open a file in the background, browse rows, and
// preview an inoculated row through the same renderer training uses. Writes screenshots to
// <build>/screenshots for review.
#include "test_support.h"

#include "dataset/conversation_view.h"
#include "dataset/dataset_table_model.h"
#include "dataset/dataset_workspace.h"
#include "main_window.h"

#include "data/chat_render.h"
#include "data/inoculation.h"

#include <QApplication>
#include <QDir>
#include <QMessageBox>
#include <QSignalSpy>
#include <QTableView>
#include <QTextBlock>

using namespace inoculab;
using ui::DatasetTableModel;
using ui::MainWindow;

namespace {

void saveScreenshot(QWidget *widget, const QString &name) {
    QString dir = QStringLiteral(INOCULAB_BINARY_DIR "/screenshots");
    QDir().mkpath(dir);
    QVERIFY(widget->grab().save(dir + "/" + name));
}

// Opens a dataset and waits for the background load to finish.
bool openAndWait(MainWindow &window, const QString &path) {
    QSignalSpy opened(&window, &MainWindow::datasetOpened);
    QSignalSpy failed(&window, &MainWindow::datasetFailed);
    window.openDataset(path);
    return QTest::qWaitFor([&] { return opened.count() + failed.count() > 0; }, 30000) && opened.count() == 1;
}

}  // namespace

class TestDatasetWorkspace : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;

private Q_SLOTS:
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
        saveScreenshot(&window, "dataset_workspace.png");
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
        saveScreenshot(&window, "dataset_workspace_large.png");
    }
};

QTEST_MAIN(TestDatasetWorkspace)
#include "test_dataset_workspace.moc"
