#include "jobs_workspace.h"

#include "store/results_store.h"

#include <QHeaderView>
#include <QLabel>
#include <QTableWidget>
#include <QVBoxLayout>

namespace inoculab::ui {

JobsWorkspace::JobsWorkspace(QWidget *parent)
    : QWidget(parent), m_title(new QLabel(this)), m_table(new QTableWidget(0, 7, this)) {
    m_table->setHorizontalHeaderLabels(
        {tr("Condition"), tr("Seed"), tr("Status"), tr("Device"), tr("Started"), tr("Finished"), tr("Error")});
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->verticalHeader()->hide();
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_title);
    layout->addWidget(m_table, 1);
    m_title->setText(tr("Select an experiment in the navigator to see its runs."));
}

void JobsWorkspace::setExperiment(const QString &storePath, std::int64_t experimentId, const QString &name) {
    m_storePath = storePath;
    m_experiment = experimentId;
    m_title->setText(
        tr("<b>Runs of %1</b> (started by <tt>experiment run</tt>, the CLI or a cluster)").arg(name.toHtmlEscaped()));
    refresh();
}

void JobsWorkspace::refresh() {
    if (m_storePath.isEmpty() || m_experiment == 0) return;
    std::vector<store::RunRecord> runs;
    try {
        store::ResultsStore s =
            store::ResultsStore::open(m_storePath.toStdString(), store::ResultsStore::Access::ReadOnly);
        runs = s.runs(m_experiment);
    } catch (const std::exception &e) {
        m_title->setText(QString::fromStdString(e.what()).toHtmlEscaped());
        return;
    }
    auto text = [](const std::optional<std::string> &s) { return QString::fromStdString(s.value_or("")); };
    m_table->setRowCount(int(runs.size()));
    for (int row = 0; row < int(runs.size()); ++row) {
        const store::RunRecord &r = runs[std::size_t(row)];
        std::string_view status = store::runStatusName(r.status);
        const QString cells[] = {QString::fromStdString(r.condition),
                                 QString::number(r.seed),
                                 QString::fromLatin1(status.data(), qsizetype(status.size())),
                                 text(r.device),
                                 text(r.startedAt),
                                 text(r.finishedAt),
                                 text(r.error)};
        for (int c = 0; c < 7; ++c) m_table->setItem(row, c, new QTableWidgetItem(cells[c]));
        if (r.checkpoint) m_table->item(row, 2)->setToolTip(tr("checkpoint %1").arg(text(r.checkpoint)));
    }
}

}  // namespace inoculab::ui
