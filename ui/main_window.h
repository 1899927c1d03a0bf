#pragma once
// MainWindow: the application shell. For now it hosts the dataset workspace; the prompts,
// jobs and results workspaces join it as tabs.
#include <QMainWindow>

#include <memory>

class QLabel;
class QProgressBar;
class QPushButton;

namespace inoculab::ui {

class DatasetLoader;
class DatasetWorkspace;
struct LoadedDataset;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget *parent = nullptr);
    ~MainWindow() override;

    // Loads in the background; datasetOpened or datasetFailed follows.
    void openDataset(const QString &path);
    DatasetWorkspace *datasetWorkspace() const { return m_workspace; }

Q_SIGNALS:
    void datasetOpened(const QString &path);
    void datasetFailed(const QString &error);

private:
    void chooseDataset();
    void onLoaded(std::shared_ptr<LoadedDataset> result);
    void setLoading(bool loading);

    DatasetWorkspace *m_workspace;
    DatasetLoader *m_loader;
    QLabel *m_status;
    QProgressBar *m_progress;
    QPushButton *m_cancel;
    QString m_loadingPath;
};

}  // namespace inoculab::ui
