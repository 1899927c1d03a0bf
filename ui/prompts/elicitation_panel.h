#pragma once
// ElicitationPanel: the elicitation check. For each candidate prompt, the base model's mean
// loss per assistant token on N training rows with and without the prompt, and the drop
// (nats/token). Runs as an `inoculab-cli worker` elicit job (docs/worker-jobs.md) in its own
// process, like training: the GUI never runs the model.
#include <QProcess>
#include <QTemporaryDir>
#include <QWidget>

#include <memory>

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

    SpecDocument *m_doc;
    QList<Candidate> m_candidates;
    QString m_cacheDir;
    std::unique_ptr<QTemporaryDir> m_jobDir;
    QProcess *m_process = nullptr;
    QByteArray m_pending;
    QSpinBox *m_rows;
    QPushButton *m_run;
    QPushButton *m_cancel;
    QProgressBar *m_progress;
    QLabel *m_status;
    QTableWidget *m_table;
};

}  // namespace inoculab::ui
