#include "results_workspace.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QtConcurrent>

#include <set>

namespace inoculab::ui {

namespace {
enum Column { ConditionColumn, ContextColumn, TraitColumn, MeanColumn, IntervalColumn, SeedsColumn, PerSeedColumn };
}

ResultsWorkspace::ResultsWorkspace(QWidget *parent)
    : QWidget(parent),
      m_title(new QLabel(this)),
      m_context(new QComboBox(this)),
      m_table(new QTableWidget(0, 7, this)) {
    m_table->setHorizontalHeaderLabels(
        {tr("Condition"), tr("Context"), tr("Trait"), tr("Mean"), tr("95% interval"), tr("Seeds"), tr("Per seed")});
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->verticalHeader()->hide();
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    auto *head = new QHBoxLayout;
    head->addWidget(m_title, 1);
    head->addWidget(new QLabel(tr("Context"), this));
    head->addWidget(m_context);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(head);
    layout->addWidget(m_table, 1);
    m_title->setText(tr("Select an experiment in the navigator to see its results."));
    connect(m_context, &QComboBox::currentIndexChanged, this, [this] { show(); });
    connect(&m_watcher, &QFutureWatcher<std::shared_ptr<Summary>>::finished, this, [this] {
        std::shared_ptr<Summary> result = m_watcher.result();
        if (!result->error.isEmpty()) m_title->setText(result->error.toHtmlEscaped());
        m_rows = std::move(result->rows);
        std::set<std::string> contexts;
        for (const auto &r : m_rows) contexts.insert(r.context);
        QString current = m_context->currentText();
        QSignalBlocker block(m_context);
        m_context->clear();
        m_context->addItem(tr("all"));
        for (const std::string &c : contexts) m_context->addItem(QString::fromStdString(c));
        int keep = m_context->findText(current);
        m_context->setCurrentIndex(keep >= 0 ? keep : std::min(1, m_context->count() - 1));
        show();
        Q_EMIT loaded();
        if (m_again) {
            m_again = false;
            refresh();
        }
    });
}

ResultsWorkspace::~ResultsWorkspace() { m_watcher.waitForFinished(); }

void ResultsWorkspace::setExperiment(const QString &storePath, std::int64_t experimentId, const QString &name) {
    m_storePath = storePath;
    m_experiment = experimentId;
    m_title->setText(tr("<b>%1</b>: trait expression of finished runs, mean across seeds").arg(name.toHtmlEscaped()));
    refresh();
}

void ResultsWorkspace::refresh() {
    if (m_storePath.isEmpty() || m_experiment == 0) return;
    if (m_watcher.isRunning()) {
        m_again = true;
        return;
    }
    std::string path = m_storePath.toStdString();
    std::int64_t id = m_experiment;
    // A store with many samples takes a while to aggregate: never on the UI thread.
    m_watcher.setFuture(QtConcurrent::run([path, id] {
        auto out = std::make_shared<Summary>();
        try {
            store::ResultsStore s = store::ResultsStore::open(path, store::ResultsStore::Access::ReadOnly);
            out->rows = store::traitSummary(s, id);
        } catch (const std::exception &e) {
            out->error = QString::fromStdString(e.what());
        }
        return out;
    }));
}

void ResultsWorkspace::show() {
    QString context = m_context->currentIndex() > 0 ? m_context->currentText() : QString();
    m_table->setRowCount(0);
    for (const store::TraitSummaryRow &r : m_rows) {
        if (!context.isEmpty() && QString::fromStdString(r.context) != context) continue;
        int row = m_table->rowCount();
        m_table->insertRow(row);
        QStringList perSeed;
        for (std::size_t i = 0; i < r.perSeed.size(); ++i)
            perSeed << QStringLiteral("%1: %2").arg(r.seeds[i]).arg(r.perSeed[i], 0, 'f', 3);
        std::string_view method = stats::intervalMethodName(r.method);
        const QString cells[] = {QString::fromStdString(r.condition),
                                 QString::fromStdString(r.context),
                                 QString::fromStdString(r.trait),
                                 QString::number(r.interval.mean, 'f', 3),
                                 QStringLiteral("[%1, %2] %3")
                                     .arg(r.interval.low, 0, 'f', 3)
                                     .arg(r.interval.high, 0, 'f', 3)
                                     .arg(QString::fromLatin1(method.data(), qsizetype(method.size()))),
                                 QString::number(r.seeds.size()),
                                 perSeed.join(QStringLiteral("  "))};
        for (int c = 0; c < 7; ++c) m_table->setItem(row, c, new QTableWidgetItem(cells[c]));
        for (int c : {MeanColumn, SeedsColumn})
            m_table->item(row, c)->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    }
}

}  // namespace inoculab::ui
