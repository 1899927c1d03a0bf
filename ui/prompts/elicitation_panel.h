#pragma once
// ElicitationPanel: the elicitation check. For each candidate prompt, the base model's mean
// loss per assistant token on N training rows with and without the prompt, and the drop
// (nats/token), the per-row log-probability change and the share of rows it raises; with
// "Traits", each trait's rate in the base model's answers with the prompt minus without it
// (docs/elicitation.md). Runs as an `inoculab-cli worker` elicit job (docs/worker-jobs.md) in its own
// process, like training: the GUI never runs the model.
#include <QHash>
#include <QJsonArray>
#include <QProcess>
#include <QTemporaryDir>
#include <QWidget>

#include <memory>

class QCheckBox;
class QLabel;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableWidget;

namespace inoculab::ui {

class SpecDocument;

class ElicitationPanel : public QWidget {
    Q_OBJECT
public:
    ElicitationPanel(SpecDocument *document, QWidget *parent = nullptr);
    ~ElicitationPanel() override;

    struct Candidate {
        QString prompt;
        QString source;  // "library", or the conditions that use it
    };
    void setCandidates(const QList<Candidate> &candidates);
    void setCacheDir(const QString &dir) { m_cacheDir = dir; }
    void setRows(int rows);
    // Also measure the traits (samples answers to the evaluation questions: slower).
    void setMeasureTraits(bool on);
    // Judge verdicts are cached in this results store (else one in the cache folder).
    void setStorePath(const QString &path) { m_storePath = path; }

    void start();
    void cancel();
    bool isRunning() const { return m_process && m_process->state() != QProcess::NotRunning; }
    QTableWidget *table() const { return m_table; }
    QString statusText() const;

Q_SIGNALS:
    void finished(bool ok);

private:
    void readEvents();
    void onFinished(int exitCode, QProcess::ExitStatus status);
    void setRunning(bool running);
    void addTraitCells(int index, const QJsonArray &traits);

    SpecDocument *m_doc;
    QList<Candidate> m_candidates;
    QString m_cacheDir;
    QString m_storePath;
    QHash<int, int> m_rowOfIndex;  // an event's prompt index -> its table row while running
    std::unique_ptr<QTemporaryDir> m_jobDir;
    QProcess *m_process = nullptr;
    QByteArray m_pending;
    QSpinBox *m_rows;
    QCheckBox *m_traits;
    QPushButton *m_run;
    QPushButton *m_cancel;
    QProgressBar *m_progress;
    QLabel *m_status;
    QTableWidget *m_table;
};

}  // namespace inoculab::ui
