#pragma once
// ResultsWorkspace: trait expression per condition and test-time context with 95% intervals
// across seeds, read from the store in the background (the numbers `results summary` prints).
#include "store/results_queries.h"

#include <QFutureWatcher>
#include <QWidget>

#include <memory>

class QComboBox;
class QLabel;
class QTableWidget;

namespace inoculab::ui {

class ResultsWorkspace : public QWidget {
    Q_OBJECT
public:
    explicit ResultsWorkspace(QWidget *parent = nullptr);
    ~ResultsWorkspace() override;

    void setExperiment(const QString &storePath, std::int64_t experimentId, const QString &name);
    void refresh();
    QTableWidget *table() const { return m_table; }
    QComboBox *contextChoice() const { return m_context; }
    bool isLoading() const { return m_watcher.isRunning(); }

Q_SIGNALS:
    void loaded();

private:
    struct Summary {
        std::vector<store::TraitSummaryRow> rows;
        QString error;
    };
    void show();

    QString m_storePath;
    std::int64_t m_experiment = 0;
    std::vector<store::TraitSummaryRow> m_rows;
    QFutureWatcher<std::shared_ptr<Summary>> m_watcher;
    bool m_again = false;
    QLabel *m_title;
    QComboBox *m_context;
    QTableWidget *m_table;
};

}  // namespace inoculab::ui
