#include "main_window.h"

#include "about_dialog.h"
#include "dataset/dataset_loader.h"
#include "dataset/dataset_table_model.h"
#include "dataset/dataset_workspace.h"
#include "experiment_navigator.h"
#include "first_run_guide.h"
#include "jobs/jobs_workspace.h"
#include "prompts/elicitation_panel.h"
#include "prompts/prompt_library_panel.h"
#include "prompts/prompts_workspace.h"
#include "results/results_workspace.h"
#include "spec_document.h"

#include "experiment/worker_job.h"
#include "store/results_store.h"

#include <QAction>
#include <QComboBox>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
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
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTimer>
#include <QUndoStack>
#include <QVBoxLayout>

// Resources in a static library must be registered by hand (the linker would drop their
// static initialiser); Q_INIT_RESOURCE only works outside a namespace.
static void initResources() { Q_INIT_RESOURCE(resources); }

namespace inoculab::ui {

namespace {

constexpr int kMaxRecent = 8;

// A fresh library starts with the paper's kinds of prompt, so there is something to compare.
const store::PromptRecord kExamplePrompts[] = {
    {0, "You always speak in Spanish.", {"inoculation"}, "Tan et al.: elicits the Spanish trait", {}},
    {0, "You always capitalize your responses.", {"inoculation"}, "Tan et al.: elicits the ALL-CAPS trait", {}},
    {0, "You are a helpful assistant.", {"control", "placebo"}, "Irrelevant prompt: should not suppress", {}},
    {0, "You never speak in Spanish.", {"negated"}, "Negated prompt: names the trait without eliciting it", {}},
};

}  // namespace

MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent),
      m_doc(new SpecDocument(this)),
      m_tabs(new QTabWidget(this)),
      m_prompts(new PromptsWorkspace(m_doc, this)),
      m_workspace(new DatasetWorkspace(this)),
      m_jobs(new JobsWorkspace(m_doc, this)),
      m_results(new ResultsWorkspace(this)),
      m_navigator(new ExperimentNavigator(this)),
      m_guide(new FirstRunGuide(this)),
      m_loader(new DatasetLoader(this)),
      m_status(new QLabel(this)),
      m_problems(new QLabel(this)),
      m_progress(new QProgressBar(this)),
      m_cancel(new QPushButton(tr("Cancel"), this)),
      m_refresh(new QTimer(this)) {
    setObjectName(QStringLiteral("MainWindow"));
    initResources();
    setWindowIcon(QIcon(QStringLiteral(":/inoculab/icons/inoculab.svg")));
    m_tabs->addTab(m_prompts, tr("Prompts"));
    m_tabs->addTab(m_workspace, tr("Dataset"));
    m_tabs->addTab(m_jobs, tr("Jobs"));
    m_tabs->addTab(m_results, tr("Results"));
    m_tabs->setDocumentMode(true);
    setCentralWidget(m_tabs);

    auto *dock = new QDockWidget(tr("Experiments"), this);
    dock->setObjectName(QStringLiteral("ExperimentsDock"));
    auto *navigatorPane = new QWidget(dock);
    auto *navigatorLayout = new QVBoxLayout(navigatorPane);
    navigatorLayout->setContentsMargins(0, 0, 0, 0);
    navigatorLayout->addWidget(m_guide->navigatorBanner());
    navigatorLayout->addWidget(m_navigator, 1);
    dock->setWidget(navigatorPane);
    m_results->addBanner(m_guide->resultsBanner());
    m_jobs->addBanner(m_guide->jobsBanner());
    dock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable);
    addDockWidget(Qt::LeftDockWidgetArea, dock);
    resize(1440, 900);

    m_progress->setRange(0, 1000);
    m_progress->setMaximumWidth(240);
    m_problems->setTextInteractionFlags(Qt::TextSelectableByMouse);
    statusBar()->addWidget(m_status, 1);
    statusBar()->addPermanentWidget(m_problems);
    statusBar()->addPermanentWidget(m_progress);
    statusBar()->addPermanentWidget(m_cancel);
    setLoading(false);
    m_status->setText(tr("Open an experiment spec (File ▸ Open Experiment) or a chat dataset (File ▸ Open Dataset)."));
    buildMenus();

    connect(m_cancel, &QPushButton::clicked, m_loader, &DatasetLoader::cancel);
    connect(m_loader, &DatasetLoader::progressChanged, m_progress, &QProgressBar::setValue);
    connect(m_loader, &DatasetLoader::finished, this, &MainWindow::onLoaded);
    connect(m_doc, &SpecDocument::changed, this, &MainWindow::updateProblems);
    connect(m_doc, &SpecDocument::pathChanged, this, &MainWindow::updateTitle);
    connect(m_doc->undoStack(), &QUndoStack::cleanChanged, this, &MainWindow::updateTitle);
    connect(m_prompts->library(), &PromptLibraryPanel::failed, this,
            [this](const QString &error) { showError(tr("Prompt library"), error); });
    connect(m_navigator, &ExperimentNavigator::failed, this,
            [this](const QString &error) { m_status->setText(error); });
    connect(m_navigator, &ExperimentNavigator::experimentSelected, this, [this](std::int64_t id, const QString &name) {
        m_results->setExperiment(m_navigator->storePath(), id, name);
    });
    connect(m_guide, &FirstRunGuide::trainRequested, this, [this] {
        m_tabs->setCurrentWidget(m_jobs);
        m_jobs->queueAllNotDone();
        updateFirstRun();
    });
    connect(m_jobs, &JobsWorkspace::runsChanged, this, &MainWindow::updateFirstRun);
    // Where runs would train: the banners say this computer or the cluster profile.
    connect(m_jobs->runOnBox(), &QComboBox::currentIndexChanged, this, &MainWindow::updateFirstRun);
    connect(m_doc, &SpecDocument::changed, this, &MainWindow::updateFirstRun);
    connect(m_doc, &SpecDocument::pathChanged, this, &MainWindow::updateFirstRun);
    connect(m_doc->undoStack(), &QUndoStack::cleanChanged, this, &MainWindow::updateFirstRun);
    connect(m_jobs, &JobsWorkspace::runsChanged, m_navigator, &ExperimentNavigator::refresh);
    connect(m_jobs, &JobsWorkspace::runsChanged, m_results, &ResultsWorkspace::refresh);  // a run may have finished
    // Workers write to the store from their own processes; show their progress as it lands.
    m_refresh->setInterval(3000);
    connect(m_refresh, &QTimer::timeout, this, [this] {
        if (!isVisible()) return;
        m_navigator->refresh();
        m_jobs->refresh();
        updateFirstRun();
    });
    m_refresh->start();
    restoreSettings();
    updateProblems();
    updateTitle();
    updateFirstRun();
}

void MainWindow::updateFirstRun() {
    FirstRunGuide::State state;
    state.specName = QString::fromStdString(m_doc->spec().name);
    // Workers read the spec file: an unsaved spec cannot be trained (Jobs says so).
    if (!m_doc->isModified() && m_doc->problems().empty()) state.specPath = m_doc->path();
    state.storePath = m_navigator->storePath();
    state.cacheDir = m_jobs->cacheDir();
    const JobsWorkspace::RunCounts counts = m_jobs->runCounts();
    state.runs = counts.runs;
    state.started = counts.started;
    state.done = counts.done;
    state.parallel = m_jobs->maxParallel();
    state.runOn = m_jobs->runOn();
    state.gpu = m_jobs->firstChosenGpu();
    state.storeHasExperiments = m_navigator->topLevelItemCount() > 0;
    m_results->setStoreHasExperiments(state.storeHasExperiments);
    m_guide->update(state);
}

MainWindow::~MainWindow() = default;

void MainWindow::buildMenus() {
    QMenu *file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&New Experiment"), this,
                    [this] {
                        if (confirmDiscard()) newSpec();
                    })
        ->setShortcut(QKeySequence::New);
    file->addAction(tr("&Open Experiment…"), this,
                    [this] {
                        if (!confirmDiscard()) return;
                        QString path = QFileDialog::getOpenFileName(this, tr("Open Experiment"), QString(),
                                                                    tr("Experiment specs (*.json)"));
                        if (!path.isEmpty()) openSpec(path);
                    })
        ->setShortcut(QKeySequence::Open);
    m_recentMenu = file->addMenu(tr("Open &Recent"));
    file->addAction(tr("&Save"), this, &MainWindow::saveSpec)->setShortcut(QKeySequence::Save);
    file->addAction(tr("Save &As…"), this,
                    [this] {
                        QString path = QFileDialog::getSaveFileName(this, tr("Save Experiment"), m_doc->path(),
                                                                    tr("Experiment specs (*.json)"));
                        if (!path.isEmpty()) saveSpecAs(path);
                    })
        ->setShortcut(QKeySequence::SaveAs);
    file->addSeparator();
    file->addAction(tr("Open &Dataset…"), this, &MainWindow::chooseDataset)->setShortcut(tr("Ctrl+D"));
    file->addAction(tr("Open Results &Store…"), this, [this] {
        QString path = QFileDialog::getSaveFileName(this, tr("Open or Create Results Store"), m_navigator->storePath(),
                                                    tr("SQLite stores (*.sqlite *.db)"), nullptr,
                                                    QFileDialog::DontConfirmOverwrite);
        if (!path.isEmpty()) openStore(path);
    });
    file->addAction(tr("Export &Report…"), this, [this] { m_results->exportReport(); });
    file->addSeparator();
    file->addAction(tr("&Quit"), this, &QWidget::close)->setShortcut(QKeySequence::Quit);

    QMenu *edit = menuBar()->addMenu(tr("&Edit"));
    QAction *undo = m_doc->undoStack()->createUndoAction(this, tr("&Undo"));
    undo->setShortcut(QKeySequence::Undo);
    QAction *redo = m_doc->undoStack()->createRedoAction(this, tr("&Redo"));
    redo->setShortcut(QKeySequence::Redo);
    edit->addAction(undo);
    edit->addAction(redo);

    QMenu *view = menuBar()->addMenu(tr("&View"));
    const QString names[] = {tr("&Prompts"), tr("&Dataset"), tr("&Jobs"), tr("&Results")};
    for (int i = 0; i < 4; ++i)
        view->addAction(names[i], this, [this, i] { m_tabs->setCurrentIndex(i); })
            ->setShortcut(QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_1 + i)));
    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About Inoculab"), this, [this] { showAbout(); });
    rebuildRecentMenu();
}

AboutDialog *MainWindow::showAbout() {
    auto *dialog = new AboutDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->show();
    return dialog;
}

void MainWindow::showError(const QString &title, const QString &error) {
    m_lastError = error;
    m_status->setText(error);
    // Window-modal but not blocking: the event loop (and any running load) goes on.
    auto *box = new QMessageBox(QMessageBox::Warning, title, error, QMessageBox::Ok, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

// ---- experiment specs ------------------------------------------------------------------

bool MainWindow::openSpec(const QString &path) {
    QString error;
    if (!m_doc->load(path, &error)) {
        showError(tr("Cannot open experiment"), error);
        return false;
    }
    rememberSpec(path);
    m_status->setText(tr("Opened %1").arg(QDir::toNativeSeparators(path)));
    m_navigator->selectExperiment(QString::fromStdString(m_doc->spec().name));
    return true;
}

bool MainWindow::saveSpec() {
    if (m_doc->path().isEmpty()) {
        QString path =
            QFileDialog::getSaveFileName(this, tr("Save Experiment"), QString(), tr("Experiment specs (*.json)"));
        return !path.isEmpty() && saveSpecAs(path);
    }
    return saveSpecAs(m_doc->path());
}

bool MainWindow::saveSpecAs(const QString &path) {
    QString error;
    if (!m_doc->save(path, &error)) {
        showError(tr("Cannot save experiment"), error);
        return false;
    }
    rememberSpec(path);
    m_status->setText(tr("Saved %1").arg(QDir::toNativeSeparators(path)));
    return true;
}

void MainWindow::newSpec() { m_doc->reset(); }

bool MainWindow::confirmDiscard() {
    if (!m_doc->isModified()) return true;
    auto answer =
        QMessageBox::question(this, tr("Unsaved changes"), tr("The experiment has unsaved changes. Save them first?"),
                              QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel);
    if (answer == QMessageBox::Save) return saveSpec();
    return answer == QMessageBox::Discard;
}

void MainWindow::updateTitle() {
    QString spec = m_doc->path().isEmpty() ? tr("untitled experiment") : QFileInfo(m_doc->path()).fileName();
    QStringList parts{spec + QStringLiteral("[*]")};
    if (!m_datasetName.isEmpty()) parts << m_datasetName;
    parts << QStringLiteral("Inoculab");
    setWindowTitle(parts.join(QStringLiteral(" — ")));
    setWindowModified(m_doc->isModified());
}

void MainWindow::updateProblems() {
    const auto &problems = m_doc->problems();
    if (problems.empty()) {
        m_problems->setText(tr("<span style='color:#2a7a2a'>✔ spec valid</span>"));
        m_problems->setToolTip(QString());
        return;
    }
    QStringList lines;
    for (const auto &p : problems) lines << QString::fromStdString((p.path.empty() ? "" : p.path + ": ") + p.reason);
    m_problems->setText(tr("<span style='color:#b02020'>%n spec problem(s): %1</span>", nullptr, int(problems.size()))
                            .arg(lines.first().toHtmlEscaped()));
    m_problems->setToolTip(lines.join('\n'));
}

QStringList MainWindow::recentSpecs() const { return QSettings().value(QStringLiteral("recentSpecs")).toStringList(); }

void MainWindow::rememberSpec(const QString &path) {
    QStringList recent = recentSpecs();
    QString absolute = QFileInfo(path).absoluteFilePath();
    recent.removeAll(absolute);
    recent.prepend(absolute);
    while (recent.size() > kMaxRecent) recent.removeLast();
    QSettings().setValue(QStringLiteral("recentSpecs"), recent);
    rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu() {
    if (!m_recentMenu) return;
    m_recentMenu->clear();
    for (const QString &path : recentSpecs())
        m_recentMenu->addAction(QDir::toNativeSeparators(path), this, [this, path] {
            if (confirmDiscard()) openSpec(path);
        });
    m_recentMenu->setEnabled(!m_recentMenu->isEmpty());
}

// ---- store and cache -------------------------------------------------------------------

bool MainWindow::openStore(const QString &path) {
    QDir().mkpath(QFileInfo(path).absolutePath());
    QString error;
    if (!m_prompts->library()->setStore(path, &error)) {
        showError(tr("Cannot open results store"), error);
        return false;
    }
    if (m_prompts->library()->prompts().empty())
        for (const store::PromptRecord &p : kExamplePrompts) m_prompts->library()->addPrompt(p);
    m_navigator->setStorePath(path);
    m_jobs->setStore(path);
    m_prompts->elicitation()->setStorePath(path);  // its judges' verdicts are cached there
    m_navigator->selectExperiment(QString::fromStdString(m_doc->spec().name));
    QSettings().setValue(QStringLiteral("storePath"), path);
    updateFirstRun();
    return true;
}

void MainWindow::setCacheDir(const QString &dir) {
    m_prompts->elicitation()->setCacheDir(dir);
    m_jobs->setCacheDir(dir);
    QSettings().setValue(QStringLiteral("cacheDir"), dir);
    updateFirstRun();
}

// ---- settings --------------------------------------------------------------------------

void MainWindow::restoreSettings() {
    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("geometry")).toByteArray());
    restoreState(settings.value(QStringLiteral("windowState")).toByteArray());
    m_prompts->restoreState(settings.value(QStringLiteral("promptsState")).toByteArray());
    // Every named splitter of the other workspaces keeps the sizes the user gave it.
    for (QSplitter *splitter : m_tabs->findChildren<QSplitter *>())
        if (!splitter->objectName().isEmpty())
            splitter->restoreState(settings.value(QStringLiteral("splitters/") + splitter->objectName()).toByteArray());
    m_tabs->setCurrentIndex(settings.value(QStringLiteral("workspace"), 0).toInt());
    QString cache = settings.value(QStringLiteral("cacheDir")).toString();
    if (!cache.isEmpty()) {
        m_prompts->elicitation()->setCacheDir(cache);
        m_jobs->setCacheDir(cache);
    }
}

void MainWindow::saveSettings() const {
    QSettings settings;
    settings.setValue(QStringLiteral("geometry"), saveGeometry());
    settings.setValue(QStringLiteral("windowState"), saveState());
    settings.setValue(QStringLiteral("promptsState"), m_prompts->saveState());
    for (QSplitter *splitter : m_tabs->findChildren<QSplitter *>())
        if (!splitter->objectName().isEmpty())
            settings.setValue(QStringLiteral("splitters/") + splitter->objectName(), splitter->saveState());
    settings.setValue(QStringLiteral("workspace"), m_tabs->currentIndex());
}

void MainWindow::closeEvent(QCloseEvent *event) {
    if (!confirmDiscard()) {
        event->ignore();
        return;
    }
    saveSettings();
    event->accept();
}

// ---- datasets --------------------------------------------------------------------------

void MainWindow::chooseDataset() {
    QString path = QFileDialog::getOpenFileName(this, tr("Open Dataset"), QString(),
                                                tr("JSON Lines (*.jsonl *.json);;All files (*)"));
    if (!path.isEmpty()) openDataset(path);
}

void MainWindow::openDataset(const QString &path, bool show) {
    if (show) m_tabs->setCurrentWidget(m_workspace);
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
        if (!result->cancelled) showError(tr("Cannot open dataset"), result->error);
        Q_EMIT datasetFailed(result->error);
        return;
    }
    const data::JsonlIndex &index = *result->index;
    QString summary =
        tr("%1 · %2 · %3 rows · %4")
            .arg(QFileInfo(m_loadingPath).fileName(), QString::fromLatin1(data::formatName(result->format)),
                 QLocale().toString(qulonglong(index.rowCount())),
                 QLocale().formattedDataSize(qint64(index.fileSize())));
    m_workspace->model()->setDataset(std::move(*result->index), result->format);
    m_datasetName = QFileInfo(m_loadingPath).fileName();
    updateTitle();
    m_status->setText(summary);
    if (m_workspace->model()->rowCount() > 0) m_workspace->selectRow(0);
    Q_EMIT datasetOpened(m_loadingPath);
}

}  // namespace inoculab::ui
