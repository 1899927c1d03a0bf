#pragma once
// MainWindow: the workbench shell. An experiment navigator (the results store) beside four
// workspaces: Prompts, Dataset, Jobs, Results. It owns the open experiment spec (with undo),
// the store and cache locations, recent files and restored geometry.
#include <QMainWindow>

#include <memory>

class QAction;
class QLabel;
class QMenu;
class QProgressBar;
class QPushButton;
class QTabWidget;
class QTimer;

namespace inoculab::ui {

class AboutDialog;
class DatasetLoader;
class DatasetWorkspace;
class ExperimentNavigator;
class FirstRunGuide;
class JobsWorkspace;
class PromptsWorkspace;
class ResultsWorkspace;
class SpecDocument;
struct LoadedDataset;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget *parent = nullptr);
    ~MainWindow() override;

    // Loads in the background; datasetOpened or datasetFailed follows. `show` brings the
    // Dataset workspace to the front.
    void openDataset(const QString &path, bool show = true);
    // Experiment specs: errors are shown in the window (file, line, field) and returned.
    bool openSpec(const QString &path);
    bool saveSpec();
    // Help > About: this build and what training runs on here (closes itself when closed).
    AboutDialog *showAbout();
    bool saveSpecAs(const QString &path);
    void newSpec();
    // The results store the navigator, Jobs, Results and the prompt library use.
    bool openStore(const QString &path);
    void setCacheDir(const QString &dir);

    SpecDocument *document() const { return m_doc; }
    DatasetWorkspace *datasetWorkspace() const { return m_workspace; }
    PromptsWorkspace *promptsWorkspace() const { return m_prompts; }
    JobsWorkspace *jobsWorkspace() const { return m_jobs; }
    ResultsWorkspace *resultsWorkspace() const { return m_results; }
    ExperimentNavigator *navigator() const { return m_navigator; }
    FirstRunGuide *firstRunGuide() const { return m_guide; }
    QTabWidget *workspaces() const { return m_tabs; }
    QStringList recentSpecs() const;
    // The last error shown in the window (tests and scripts read it).
    QString lastError() const { return m_lastError; }

Q_SIGNALS:
    void datasetOpened(const QString &path);
    void datasetFailed(const QString &error);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void buildMenus();
    void chooseDataset();
    void onLoaded(std::shared_ptr<LoadedDataset> result);
    void setLoading(bool loading);
    void showError(const QString &title, const QString &error);
    void updateTitle();
    void updateProblems();
    void rememberSpec(const QString &path);
    void rebuildRecentMenu();
    bool confirmDiscard();
    void restoreSettings();
    void saveSettings() const;
    void updateFirstRun();

    SpecDocument *m_doc;
    QTabWidget *m_tabs;
    PromptsWorkspace *m_prompts;
    DatasetWorkspace *m_workspace;
    JobsWorkspace *m_jobs;
    ResultsWorkspace *m_results;
    ExperimentNavigator *m_navigator;
    FirstRunGuide *m_guide;
    DatasetLoader *m_loader;
    QLabel *m_status;
    QLabel *m_problems;
    QProgressBar *m_progress;
    QPushButton *m_cancel;
    QMenu *m_recentMenu = nullptr;
    QTimer *m_refresh;
    QString m_loadingPath;
    QString m_datasetName;
    QString m_lastError;
};

}  // namespace inoculab::ui
