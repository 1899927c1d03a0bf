#pragma once
// JobsWorkspace: the runs of the open experiment (condition x seed) with what the store
// records of them and, for the workers this window started, live state, step, loss,
// tokens/s, ETA and device; queue, cancel and resume them; a live loss chart and the
// selected worker's log. "Run on" picks this computer (local workers, JobRunner) or a saved
// SLURM cluster profile (ClusterRunner): then the table shows each run's SLURM task and state.
#include "store/run_history.h"

#include <QWidget>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

class QComboBox;
class QLabel;
class QPushButton;
class QPlainTextEdit;
class QSpinBox;
class QLineEdit;
class QTableWidget;
class QTimer;

namespace inoculab::ui {

class ClusterRunner;
class JobRunner;
class LossChart;
class SpecDocument;

class JobsWorkspace : public QWidget {
    Q_OBJECT
public:
    JobsWorkspace(SpecDocument *document, QWidget *parent = nullptr);

    void setStore(const QString &storePath);
    void setCacheDir(const QString &dir);
    QString cacheDir() const { return m_cacheDir; }
    // A note shown above the runs (the first-run guide's).
    void addBanner(QWidget *banner);
    // The open spec's runs: how many, how many the store or this window's queue has in any
    // state (queued, running, finished), and how many are done.
    struct RunCounts {
        int runs = 0, started = 0, done = 0;
    };
    RunCounts runCounts() const;
    // Re-reads the store and the run locks (workers in other processes).
    void refresh();

    // Queues runs of the open experiment; false (and a message in the workspace) when the
    // spec is not saved, since workers read the file.
    bool queueRuns(const std::vector<std::pair<QString, std::uint64_t>> &runs);
    bool queueAllNotDone();
    void cancelRun(const QString &condition, std::uint64_t seed);
    // The state the table shows for a run ("done", "running", "interrupted — resumable", ...).
    QString stateOf(const QString &condition, std::uint64_t seed) const;
    QString noteOf(const QString &condition, std::uint64_t seed) const;

    // "Run on": empty for this computer, else a saved profile's name; false when there is no
    // such profile.
    bool setRunOn(const QString &profileName);
    QString runOn() const;
    // Re-reads the saved profiles (after they changed elsewhere).
    void reloadProfiles();

    JobRunner *runner() const { return m_runner; }
    ClusterRunner *clusterRunner() const { return m_cluster; }
    QComboBox *runOnBox() const { return m_runOn; }
    LossChart *lossChart() const { return m_chart; }
    QTableWidget *table() const { return m_table; }
    QPlainTextEdit *logView() const { return m_log; }
    QString message() const;
    void setMaxParallel(int jobs);
    int maxParallel() const;
    // The "GPUs" field: NVML indices such as "0,2"; empty means every GPU CUDA can use.
    void setGpuField(const QString &text);
    // The GPU the first worker would get (empty: the CPU, or no valid choice).
    QString firstChosenGpu() const {
        const QStringList gpus = chosenGpus(nullptr);
        return gpus.isEmpty() ? QString() : gpus.front();
    }
    static constexpr int kRedrawMilliseconds = 250;

Q_SIGNALS:
    // A worker started or ended: what the store says of the experiment changed.
    void runsChanged();

private:
    struct Row {
        QString condition;
        std::uint64_t seed = 0;
        QString stored;  // store status, empty when the store has no such run
        QString error;
        // What the store has of the run, whoever trained it: shown where no worker of this
        // window (or cluster task it follows) says more.
        std::int64_t runId = 0;
        QString device, summary;
        std::optional<store::RunHistory> history;
    };
    int rowOf(const QString &condition, std::uint64_t seed) const;
    void rebuildRows();
    void updateRow(int row);
    void showSelectedLog();
    // The selected runs' stored loss curves, for those no live curve shows.
    void showStoredCurves();
    // The GPUs the field names, checked against those CUDA can use; sets `error` and returns
    // nothing when it names another, or any when none can be used.
    QStringList chosenGpus(QString *error) const;
    // What `experiment run` would use: one worker per chosen GPU, else one per core.
    int defaultParallel() const;
    void applyDefaultParallel();
    bool onCluster() const;
    void editProfile(bool create);
    void onClusterUpdated();
    std::vector<std::pair<QString, std::uint64_t>> selectedRuns() const;

    SpecDocument *m_doc;
    QString m_storePath, m_cacheDir, m_specHash;
    std::vector<Row> m_rows;
    std::map<std::pair<QString, std::uint64_t>, bool> m_wasActive;
    JobRunner *m_runner;
    ClusterRunner *m_cluster;
    LossChart *m_chart;
    QComboBox *m_runOn;
    QPushButton *m_editProfile;
    int m_clusterDone = 0;  // runs the last collect found done
    QLabel *m_title;
    QLabel *m_message;
    QSpinBox *m_parallel;
    bool m_parallelChosen = false;  // the user set "at most N", so no default overrides it
    bool m_settingDefault = false;  // applyDefaultParallel is setting it, not the user
    QLineEdit *m_gpus;
    QLabel *m_gpusLabel = nullptr;
    QTableWidget *m_table;
    QPlainTextEdit *m_log;
    QTimer *m_throttle;
    std::set<int> m_dirtyRows;
};

}  // namespace inoculab::ui
