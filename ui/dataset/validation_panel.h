#pragma once
// ValidationPanel: every problem core validation finds in the open dataset, listed with its
// line; activating one asks for its row to be shown. Validation runs in the background.
#include "data/validation.h"

#include <QWidget>

class QLabel;
class QProgressBar;
class QThreadPool;
class QTreeWidget;
class QTreeWidgetItem;

namespace inoculab::ui {

class BackgroundJob;

class ValidationPanel : public QWidget {
    Q_OBJECT
public:
    // The list keeps the first problems; the rest are counted in the summary.
    static constexpr std::size_t kMaxListed = 1000;

    // Passes run on `pool` (see BackgroundJob), or on a thread of the panel's own.
    explicit ValidationPanel(QWidget *parent = nullptr, QThreadPool *pool = nullptr);

    // Starts validating the file (cancelling a run in progress); empty path: clear.
    void validate(const QString &path, data::DatasetFormat format);
    bool isRunning() const;
    void cancel();
    QTreeWidget *problemList() const { return m_list; }
    const data::ValidationReport &report() const { return m_report; }

Q_SIGNALS:
    void rowRequested(int row);
    void finished();

private:
    void show(const data::ValidationReport &report, const QString &error);
    void activate(QTreeWidgetItem *item);

    BackgroundJob *m_job;
    QLabel *m_summary;
    QProgressBar *m_progress;
    QTreeWidget *m_list;
    data::ValidationReport m_report;
};

}  // namespace inoculab::ui
