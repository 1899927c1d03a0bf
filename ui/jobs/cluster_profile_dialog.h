#pragma once
// ClusterProfileDialog: edits one cluster profile (Jobs ▸ Run on ▸ Edit profile…). Each field
// is the `experiment run --backend slurm` option of the same name (docs/cluster.md).
#include "jobs/cluster_profile.h"

#include <QDialog>

class QLabel;
class QLineEdit;
class QSpinBox;

namespace inoculab::ui {

class ClusterProfileDialog : public QDialog {
    Q_OBJECT
public:
    ClusterProfileDialog(const ClusterProfile &profile, QWidget *parent = nullptr);
    ClusterProfile profile() const;

    void accept() override;  // refuses a profile with a problem, saying which

private:
    QLineEdit *m_name, *m_workDir, *m_partition, *m_gres, *m_time, *m_mem, *m_sbatchArgs;
    QSpinBox *m_cpus;
    QLabel *m_problem;
};

}  // namespace inoculab::ui
