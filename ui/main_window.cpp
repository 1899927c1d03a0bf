#include "main_window.h"

#include "dataset/dataset_loader.h"
#include "dataset/dataset_table_model.h"
#include "dataset/dataset_workspace.h"

#include <QAction>
#include <QApplication>
#include <QFileDialog>
#include <QFileInfo>
#include <QIcon>
#include <QKeySequence>
#include <QLabel>
#include <QLocale>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QStatusBar>

// Resources in a static library must be registered by hand (the linker would drop their
// static initialiser); Q_INIT_RESOURCE only works outside a namespace.
static void initResources() { Q_INIT_RESOURCE(resources); }

namespace inoculab::ui {

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent), m_workspace(new DatasetWorkspace(this)), m_loader(new DatasetLoader(this)),
      m_status(new QLabel(this)), m_progress(new QProgressBar(this)), m_cancel(new QPushButton(tr("Cancel"), this)) {
    setWindowTitle(QStringLiteral("Inoculab"));
    initResources();
    setWindowIcon(QIcon(QStringLiteral(":/inoculab/icons/inoculab.svg")));
    setCentralWidget(m_workspace);
    resize(1280, 800);

    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *open = file->addAction(tr("&Open Dataset…"), this, &MainWindow::chooseDataset);
    open->setShortcut(QKeySequence::Open);
    file->addSeparator();
    QAction *quit = file->addAction(tr("&Quit"), qApp, &QApplication::closeAllWindows);
    quit->setShortcut(QKeySequence::Quit);

    m_progress->setRange(0, 1000);
    m_progress->setMaximumWidth(240);
    statusBar()->addWidget(m_status, 1);
    statusBar()->addPermanentWidget(m_progress);
    statusBar()->addPermanentWidget(m_cancel);
    setLoading(false);
    m_status->setText(tr("Open a chat dataset (JSONL: OpenAI messages, Alpaca or ShareGPT) with File ▸ Open."));

    connect(m_cancel, &QPushButton::clicked, m_loader, &DatasetLoader::cancel);
    connect(m_loader, &DatasetLoader::progressChanged, m_progress, &QProgressBar::setValue);
    connect(m_loader, &DatasetLoader::finished, this, &MainWindow::onLoaded);
}

MainWindow::~MainWindow() = default;

void MainWindow::chooseDataset() {
    QString path = QFileDialog::getOpenFileName(this, tr("Open Dataset"), QString(),
                                                tr("JSON Lines (*.jsonl *.json);;All files (*)"));
    if (!path.isEmpty()) openDataset(path);
}

void MainWindow::openDataset(const QString &path) {
    m_loadingPath = path;
    setLoading(true);
    m_status->setText(tr("Indexing %1…").arg(QFileInfo(path).fileName()));
    m_loader->load(path);
}

void MainWindow::setLoading(bool loading) {
    m_progress->setVisible(loading);
    m_cancel->setVisible(loading);
    m_progress->setValue(0);
}

void MainWindow::onLoaded(std::shared_ptr<LoadedDataset> result) {
    setLoading(false);
    if (!result->index) {
        m_status->setText(result->error);
        if (!result->cancelled) {
            // Window-modal but not blocking: the event loop (and any running load) goes on.
            auto *box = new QMessageBox(QMessageBox::Warning, tr("Cannot open dataset"), result->error,
                                        QMessageBox::Ok, this);
            box->setAttribute(Qt::WA_DeleteOnClose);
            box->open();
        }
        Q_EMIT datasetFailed(result->error);
        return;
    }
    const data::JsonlIndex &index = *result->index;
    QString summary = tr("%1 · %2 · %3 rows · %4")
                          .arg(QFileInfo(m_loadingPath).fileName(),
                               QString::fromLatin1(data::formatName(result->format)),
                               QLocale().toString(qulonglong(index.rowCount())),
                               QLocale().formattedDataSize(qint64(index.fileSize())));
    m_workspace->model()->setDataset(std::move(*result->index), result->format);
    setWindowTitle(tr("%1 — Inoculab").arg(QFileInfo(m_loadingPath).fileName()));
    m_status->setText(summary);
    if (m_workspace->model()->rowCount() > 0) m_workspace->selectRow(0);
    Q_EMIT datasetOpened(m_loadingPath);
}

}  // namespace inoculab::ui
