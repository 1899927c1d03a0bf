#include "experiment_navigator.h"

#include "store/results_store.h"

#include <QFileInfo>
#include <QHeaderView>

#include <map>

namespace inoculab::ui {

namespace {

constexpr int kExperimentIdRole = Qt::UserRole + 1;

QString statusText(store::RunStatus status) {
    std::string_view name = store::runStatusName(status);
    return QString::fromLatin1(name.data(), qsizetype(name.size()));
}

}  // namespace

ExperimentNavigator::ExperimentNavigator(QWidget *parent) : QTreeWidget(parent) {
    setColumnCount(2);
    setHeaderLabels({tr("Experiment / condition / run"), tr("Status")});
    header()->setSectionResizeMode(0, QHeaderView::Stretch);
    header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    header()->setStretchLastSection(false);
    connect(this, &QTreeWidget::itemSelectionChanged, this, [this] {
        QList<QTreeWidgetItem *> items = selectedItems();
        if (items.isEmpty()) return;
        QTreeWidgetItem *top = items.first();
        while (top->parent()) top = top->parent();
        std::int64_t id = top->data(0, kExperimentIdRole).toLongLong();
        if (id != m_selected) {
            m_selected = id;
            Q_EMIT experimentSelected(id, top->text(0));
        }
    });
}

void ExperimentNavigator::setStorePath(const QString &path) {
    m_storePath = path;
    m_selected = 0;
    refresh();
}

std::int64_t ExperimentNavigator::selectedExperiment() const { return m_selected; }

void ExperimentNavigator::selectExperiment(const QString &name) {
    for (int i = 0; i < topLevelItemCount(); ++i)
        if (topLevelItem(i)->text(0) == name) setCurrentItem(topLevelItem(i));
}

void ExperimentNavigator::refresh() {
    std::vector<store::ExperimentRecord> experiments;
    std::vector<store::RunRecord> runs;
    if (!m_storePath.isEmpty() && QFileInfo::exists(m_storePath)) {
        try {
            store::ResultsStore s =
                store::ResultsStore::open(m_storePath.toStdString(), store::ResultsStore::Access::ReadOnly);
            experiments = s.experiments();
            runs = s.runs();
        } catch (const std::exception &e) {
            Q_EMIT failed(QString::fromStdString(e.what()));
        }
    }
    // Rebuilt whole: a handful of experiments with tens of runs each.
    std::map<QString, bool> expanded;
    for (int i = 0; i < topLevelItemCount(); ++i) expanded[topLevelItem(i)->text(0)] = topLevelItem(i)->isExpanded();
    const std::int64_t keep = m_selected;
    blockSignals(true);
    clear();
    for (const store::ExperimentRecord &e : experiments) {
        auto *top = new QTreeWidgetItem(this, {QString::fromStdString(e.name)});
        top->setData(0, kExperimentIdRole, qint64(e.id));
        top->setToolTip(
            0, tr("spec hash %1, registered %2")
                   .arg(QString::fromStdString(e.specHash.substr(0, 12)), QString::fromStdString(e.createdAt)));
        std::map<std::string, QTreeWidgetItem *> conditions;
        int done = 0, total = 0;
        for (const store::RunRecord &r : runs) {
            if (r.experimentId != e.id) continue;
            QTreeWidgetItem *&condition = conditions[r.condition];
            if (!condition) condition = new QTreeWidgetItem(top, {QString::fromStdString(r.condition)});
            auto *run = new QTreeWidgetItem(condition, {tr("seed %1").arg(r.seed), statusText(r.status)});
            if (r.error) run->setToolTip(1, QString::fromStdString(*r.error));
            ++total;
            done += r.status == store::RunStatus::Done;
        }
        top->setText(1, tr("%1/%2 done").arg(done).arg(total));
        top->setExpanded(expanded.count(top->text(0)) ? expanded[top->text(0)] : true);
        if (e.id == keep) top->setSelected(true);
    }
    blockSignals(false);
}

}  // namespace inoculab::ui
