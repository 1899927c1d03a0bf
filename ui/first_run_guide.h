#pragma once
// FirstRunGuide: what the workbench says while the open experiment has no results yet. On a
// fresh store the navigator, Results and Jobs would otherwise be empty with nothing to do;
// each gets a banner saying what is missing and offering the one action that fixes it
// ("No results yet for spanish-caps: train its 12 runs here, about 9 min on this machine"),
// with the time measured on this machine by `inoculab-cli experiment run --estimate`.
#include <QObject>
#include <QString>

class QLabel;
class QProcess;
class QPushButton;
class QWidget;

namespace inoculab::ui {

class FirstRunGuide : public QObject {
    Q_OBJECT
public:
    explicit FirstRunGuide(QObject *parent = nullptr);
    ~FirstRunGuide() override;

    // What the window knows now. `runs`: the spec's condition x seed runs; `started`: those
    // the store or this window's queue has (queued, running, or finished in any way); `done`.
    struct State {
        QString specName, specPath;  // specPath empty: not saved, so nothing can be trained
        QString storePath, cacheDir;
        int runs = 0, started = 0, done = 0;
        int parallel = 1;             // the Jobs workspace's "at most N at once"
        QString runOn;                // the Jobs workspace's cluster profile; empty: this computer
        QString gpu;                  // the first GPU the GPUs field chooses; empty: the default device
        bool storeHasExperiments = false;
    };
    void update(const State &state);

    // Banners to place: above the navigator, at the top of Results and of Jobs.
    QWidget *navigatorBanner() const { return m_navigator; }
    QWidget *resultsBanner() const { return m_results; }
    QWidget *jobsBanner() const { return m_jobs; }
    QString resultsText() const;
    QString jobsText() const;
    QString navigatorText() const;
    bool estimateReady() const { return m_estimateReady; }
    double estimateSeconds() const { return m_seconds; }

Q_SIGNALS:
    void trainRequested();     // a banner's button: queue every run not done

private:
    QWidget *makeBanner(const QString &name, QLabel *&label, QPushButton *&button);
    void startEstimate();
    void redraw();
    QString estimateText() const;

    State m_state;
    QString m_estimateKey;  // spec, store, cache and parallelism the estimate is for
    QProcess *m_process = nullptr;
    bool m_estimateReady = false;
    double m_seconds = 0;
    QString m_estimateError, m_estimateDetail;

    QWidget *m_navigator, *m_results, *m_jobs;
    QLabel *m_navigatorLabel = nullptr, *m_resultsLabel = nullptr, *m_jobsLabel = nullptr;
    QPushButton *m_navigatorButton = nullptr, *m_resultsButton = nullptr, *m_jobsButton = nullptr;
};

}  // namespace inoculab::ui
