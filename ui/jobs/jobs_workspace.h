#pragma once
// JobsWorkspace: the runs of the selected experiment as the store records them (status,
// device, times, checkpoint, error), refreshed while workers write.
#include <QWidget>

#include <cstdint>

class QLabel;
class QTableWidget;

namespace inoculab::ui {

class JobsWorkspace : public QWidget {
    Q_OBJECT
public:
    explicit JobsWorkspace(QWidget *parent = nullptr);

    void setExperiment(const QString &storePath, std::int64_t experimentId, const QString &name);
    void refresh();
    QTableWidget *table() const { return m_table; }

private:
    QString m_storePath;
    std::int64_t m_experiment = 0;
    QLabel *m_title;
    QTableWidget *m_table;
};

}  // namespace inoculab::ui
