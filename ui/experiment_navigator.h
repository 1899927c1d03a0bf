#pragma once
// ExperimentNavigator: the experiments in the results store, their conditions and runs with
// status, refreshed while workers write to the store from other processes.
#include <QString>
#include <QTreeWidget>

#include <cstdint>

namespace inoculab::ui {

class ExperimentNavigator : public QTreeWidget {
    Q_OBJECT
public:
    explicit ExperimentNavigator(QWidget *parent = nullptr);

    void setStorePath(const QString &path);
    QString storePath() const { return m_storePath; }
    // Re-reads the store, keeping the selection. Reads are short: a store open in WAL mode
    // never waits for a writer.
    void refresh();
    void selectExperiment(const QString &name);
    std::int64_t selectedExperiment() const;

Q_SIGNALS:
    void experimentSelected(std::int64_t id, const QString &name);
    void failed(const QString &error);

private:
    QString m_storePath;
    std::int64_t m_selected = 0;
};

}  // namespace inoculab::ui
