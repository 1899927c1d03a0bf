#include "cluster_profile_dialog.h"

#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProcess>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

namespace inoculab::ui {

ClusterProfileDialog::ClusterProfileDialog(const ClusterProfile &profile, QWidget *parent)
    : QDialog(parent),
      m_name(new QLineEdit(profile.name, this)),
      m_workDir(new QLineEdit(profile.workDir, this)),
      m_partition(new QLineEdit(profile.partition, this)),
      m_gres(new QLineEdit(profile.gres, this)),
      m_time(new QLineEdit(profile.time, this)),
      m_mem(new QLineEdit(profile.mem, this)),
      m_sbatchArgs(new QLineEdit(this)),
      m_cpus(new QSpinBox(this)),
      m_problem(new QLabel(this)) {
    setWindowTitle(tr("Cluster profile"));
    QStringList quoted;
    for (const QString &arg : profile.sbatchArgs)
        quoted << (arg.contains(' ') ? QStringLiteral("\"") + arg + QStringLiteral("\"") : arg);
    m_sbatchArgs->setText(quoted.join(' '));
    m_workDir->setPlaceholderText(tr("/shared/you/inoculab-runs (on the cluster's shared filesystem)"));
    m_partition->setPlaceholderText(tr("the cluster's default"));
    m_gres->setPlaceholderText(tr("e.g. gpu:1"));
    m_time->setPlaceholderText(tr("e.g. 04:00:00 (the partition's limit when empty)"));
    m_mem->setPlaceholderText(tr("e.g. 64G"));
    m_sbatchArgs->setPlaceholderText(tr("e.g. --qos=high --account=lab"));
    m_cpus->setRange(1, 1024);
    m_cpus->setValue(profile.cpusPerTask);
    m_problem->setStyleSheet(QStringLiteral("color: #b00020"));
    m_problem->setWordWrap(true);

    auto *browse = new QPushButton(tr("Browse…"), this);
    connect(browse, &QPushButton::clicked, this, [this] {
        QString dir = QFileDialog::getExistingDirectory(this, tr("Work folder"), m_workDir->text());
        if (!dir.isEmpty()) m_workDir->setText(dir);
    });
    auto *workDir = new QHBoxLayout;
    workDir->addWidget(m_workDir, 1);
    workDir->addWidget(browse);

    auto *form = new QFormLayout;
    form->addRow(tr("Name"), m_name);
    form->addRow(tr("Work folder"), workDir);
    form->addRow(tr("Partition"), m_partition);
    form->addRow(tr("GRES"), m_gres);
    form->addRow(tr("Time limit"), m_time);
    form->addRow(tr("CPUs per task"), m_cpus);
    form->addRow(tr("Memory"), m_mem);
    form->addRow(tr("More sbatch arguments"), m_sbatchArgs);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &ClusterProfileDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &ClusterProfileDialog::reject);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_problem);
    layout->addWidget(buttons);
}

ClusterProfile ClusterProfileDialog::profile() const {
    ClusterProfile p;
    p.name = m_name->text().trimmed();
    p.workDir = m_workDir->text().trimmed();
    p.partition = m_partition->text().trimmed();
    p.gres = m_gres->text().trimmed();
    p.time = m_time->text().trimmed();
    p.mem = m_mem->text().trimmed();
    p.cpusPerTask = m_cpus->value();
    p.sbatchArgs = QProcess::splitCommand(m_sbatchArgs->text());  // shell-like quoting
    return p;
}

void ClusterProfileDialog::accept() {
    const QString problem = profile().problem();
    m_problem->setText(problem);
    if (problem.isEmpty()) QDialog::accept();
}

}  // namespace inoculab::ui
