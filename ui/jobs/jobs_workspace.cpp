#include "jobs_workspace.h"

#include "cluster_profile_dialog.h"
#include "cluster_runner.h"
#include "job_runner.h"
#include "loss_chart.h"
#include "stored_run_view.h"
#include "spec_document.h"
#include "system_info.h"

#include "common/file_lock.h"
#include "experiment/worker_job.h"
#include "store/results_store.h"

#include <QComboBox>
#include <QFile>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QSpinBox>
#include <QSplitter>
#include <QTableWidget>
#include <QThread>
#include <QTimer>
#include <QVBoxLayout>

#include <map>

namespace inoculab::ui {

namespace {

enum Column {
    ConditionColumn,
    SeedColumn,
    StateColumn,
    StepColumn,
    LossColumn,
    SpeedColumn,
    EtaColumn,
    DeviceColumn,
    NoteColumn,
    ColumnCount
};

const QString kInterrupted = QStringLiteral("interrupted — resumable");
const QString kElsewhere = QStringLiteral("running (another process)");
const QString kNewProfile = QStringLiteral("New cluster profile…");

QString tailOfFile(const QString &path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly) || file.size() == 0) return {};
    if (file.size() > 65536) file.seek(file.size() - 65536);  // the tail is what matters
    return QString::fromUtf8(file.readAll());
}

}  // namespace

JobsWorkspace::JobsWorkspace(SpecDocument *document, QWidget *parent)
    : QWidget(parent),
      m_doc(document),
      m_runner(new JobRunner(this)),
      m_cluster(new ClusterRunner(this)),
      m_chart(new LossChart(this)),
      m_runOn(new QComboBox(this)),
      m_editProfile(new QPushButton(tr("Edit profile…"), this)),
      m_title(new QLabel(this)),
      m_message(new QLabel(this)),
      m_parallel(new QSpinBox(this)),
      m_gpus(new QLineEdit(this)),
      m_table(new QTableWidget(0, ColumnCount, this)),
      m_log(new QPlainTextEdit(this)),
      m_throttle(new QTimer(this)) {
    m_cacheDir = QString::fromStdString(experiment::defaultCacheDir());
    m_table->setHorizontalHeaderLabels({tr("Condition"), tr("Seed"), tr("State"), tr("Step"), tr("Loss"),
                                        tr("Tokens/s"), tr("ETA"), tr("Device"), tr("Note")});
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->verticalHeader()->hide();
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setWordWrap(false);
    m_log->setReadOnly(true);
    m_log->setPlaceholderText(tr("The selected worker's log"));
    m_log->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_message->setWordWrap(true);
    // As `experiment run` decides, unless the user says otherwise: one worker per GPU when
    // training on CUDA, else one per core (each worker then gets cores / N threads, the same
    // split as the CLI's, so that a run gives the same numbers from either).
    m_parallel->setRange(1, 64);
    m_parallel->setPrefix(tr("at most "));
    m_parallel->setSuffix(tr(" at once"));
    m_parallelChosen = QSettings().contains(QStringLiteral("jobs/parallel"));
    m_parallel->setValue(m_parallelChosen ? QSettings().value(QStringLiteral("jobs/parallel")).toInt()
                                          : defaultParallel());
    m_runner->setMaxParallel(m_parallel->value());
    m_gpus->setObjectName(QStringLiteral("gpus"));
    m_gpus->setPlaceholderText(tr("all"));
    m_gpus->setMaximumWidth(70);
    m_gpus->setText(QSettings().value(QStringLiteral("jobs/gpus")).toString());
    m_runner->setCancelGraceSeconds(QSettings().value(QStringLiteral("jobs/cancelGraceSeconds"), 30).toInt());
    m_runner->setCheckpointSeconds(QSettings().value(QStringLiteral("jobs/checkpointSeconds"), 120).toInt());

    auto *queueAll = new QPushButton(tr("Queue all not done"), this);
    auto *run = new QPushButton(tr("Run / resume selected"), this);
    auto *cancel = new QPushButton(tr("Cancel selected"), this);
    auto *head = new QHBoxLayout;
    // The controls beside it set the window's least width: the title may shrink (clipped),
    // so that a small screen still fits the workbench.
    m_title->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    m_title->setMinimumWidth(60);
    head->addWidget(m_title, 1);
    head->addWidget(queueAll);
    head->addWidget(run);
    head->addWidget(cancel);
    head->addWidget(m_parallel);
    m_gpusLabel = new QLabel(tr("GPUs:"), this);
    head->addWidget(m_gpusLabel);
    head->addWidget(m_gpus);
    head->addWidget(new QLabel(tr("Run on:"), this));
    head->addWidget(m_runOn);
    head->addWidget(m_editProfile);
    m_runOn->setObjectName(QStringLiteral("runOn"));
    m_runOn->setSizeAdjustPolicy(QComboBox::AdjustToContents);

    auto *bottom = new QSplitter(Qt::Horizontal, this);
    bottom->setObjectName(QStringLiteral("jobsBottom"));  // sizes kept by the main window
    bottom->addWidget(m_chart);
    bottom->addWidget(m_log);
    bottom->setStretchFactor(0, 3);
    bottom->setStretchFactor(1, 2);
    bottom->setSizes({600, 400});
    auto *split = new QSplitter(Qt::Vertical, this);
    split->setObjectName(QStringLiteral("jobsMain"));
    split->addWidget(m_table);
    split->addWidget(bottom);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 3);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(head);
    layout->addWidget(m_message);
    layout->addWidget(split, 1);

    connect(queueAll, &QPushButton::clicked, this, &JobsWorkspace::queueAllNotDone);
    connect(SystemInfo::instance(), &SystemInfo::ready, this, [this] {
        applyDefaultParallel();  // the GPUs are known now
        for (int i = 0; i < int(m_rows.size()); ++i) updateRow(i);
    });
    applyDefaultParallel();
    connect(m_gpus, &QLineEdit::editingFinished, this, [this] { setGpuField(m_gpus->text()); });
    connect(run, &QPushButton::clicked, this, [this] { queueRuns(selectedRuns()); });
    connect(cancel, &QPushButton::clicked, this, [this] {
        for (const auto &[condition, seed] : selectedRuns()) cancelRun(condition, seed);
    });
    connect(m_parallel, &QSpinBox::valueChanged, this, [this](int n) {
        m_runner->setMaxParallel(n);
        if (m_settingDefault) return;
        m_parallelChosen = true;
        QSettings().setValue(QStringLiteral("jobs/parallel"), n);
    });
    // Workers report every step (tens a second each): rows and the log are redrawn on a
    // throttle, like the chart; a worker starting or ending shows at once.
    m_throttle->setSingleShot(true);
    m_throttle->setInterval(kRedrawMilliseconds);
    connect(m_throttle, &QTimer::timeout, this, [this] {
        for (int row : m_dirtyRows)
            if (row < int(m_rows.size())) updateRow(row);
        m_dirtyRows.clear();
        showSelectedLog();
    });
    connect(m_runner, &JobRunner::jobChanged, this, [this](int index) {
        const RunJob &job = *m_runner->jobs().at(std::size_t(index));
        const int row = rowOf(job.condition, job.seed);
        const bool active = job.isActive();
        if (active != m_wasActive[{job.condition, job.seed}]) {
            m_wasActive[{job.condition, job.seed}] = active;
            if (row >= 0) updateRow(row);
            if (!active) refresh();  // the store has its final word now
            showSelectedLog();
            Q_EMIT runsChanged();
            return;
        }
        if (row >= 0) m_dirtyRows.insert(row);
        if (!m_throttle->isActive()) m_throttle->start();
    });
    connect(m_runner, &JobRunner::lossAdded, this, [this](int index) {
        const RunJob &job = *m_runner->jobs().at(std::size_t(index));
        m_chart->setCurve(job.label(), job.losses);
    });
    connect(m_cluster, &ClusterRunner::lossAdded, this, [this](const QString &label) {
        for (const Row &r : m_rows)
            if (const ClusterRun *run = m_cluster->find(r.condition, r.seed); run && run->label() == label)
                m_chart->setCurve(label, run->losses);
    });
    connect(m_cluster, &ClusterRunner::runsUpdated, this, &JobsWorkspace::onClusterUpdated);
    connect(m_cluster, &ClusterRunner::message, this, [this](const QString &text) { m_message->setText(text); });
    reloadProfiles();
    setRunOn(QSettings().value(QStringLiteral("jobs/runOn")).toString());
    connect(m_runOn, &QComboBox::activated, this, [this](int index) {
        if (m_runOn->itemText(index) == kNewProfile) {
            editProfile(true);
            return;
        }
        setRunOn(index == 0 ? QString() : m_runOn->itemText(index));
    });
    connect(m_editProfile, &QPushButton::clicked, this, [this] { editProfile(false); });
    connect(m_table, &QTableWidget::itemSelectionChanged, this, &JobsWorkspace::showSelectedLog);
    connect(m_doc, &SpecDocument::changed, this, [this] {
        rebuildRows();
        applyDefaultParallel();  // the spec may now say device cpu
    });
    connect(m_doc, &SpecDocument::pathChanged, this, [this] {
        rebuildRows();
        setRunOn(runOn());  // the cluster runner follows this spec's runs now
    });
    rebuildRows();
}

QString JobsWorkspace::message() const { return m_message->text(); }

void JobsWorkspace::setMaxParallel(int jobs) { m_parallel->setValue(jobs); }

int JobsWorkspace::maxParallel() const { return m_parallel->value(); }

void JobsWorkspace::addBanner(QWidget *banner) { static_cast<QVBoxLayout *>(layout())->insertWidget(0, banner); }

JobsWorkspace::RunCounts JobsWorkspace::runCounts() const {
    RunCounts counts;
    for (const Row &r : m_rows) {
        ++counts.runs;
        counts.done += r.stored == QLatin1String("done");
        const ClusterRun *run = onCluster() ? m_cluster->find(r.condition, r.seed) : nullptr;
        const bool submitted = run && run->state != QLatin1String("not submitted");
        counts.started += !r.stored.isEmpty() || m_runner->find(r.condition, r.seed) >= 0 || submitted;
    }
    return counts;
}

void JobsWorkspace::setGpuField(const QString &text) {
    m_gpus->setText(text);
    QSettings().setValue(QStringLiteral("jobs/gpus"), text.trimmed());
    applyDefaultParallel();
}

QStringList JobsWorkspace::chosenGpus(QString *error) const {
    if (m_doc->spec().training.device == model::DeviceRequest::Cpu) return {};  // the spec says cpu
    const QStringList usable = SystemInfo::instance()->cudaGpus();
    const QString text = m_gpus->text().trimmed();
    if (text.isEmpty()) return usable;
    if (usable.isEmpty()) {
        const QString why = SystemInfo::instance()->whyNotCuda();
        if (error) *error = tr("GPUs: none can be used here (%1); clear the field to train on the CPU.")
                                .arg(why.isEmpty() ? tr("no report from system info yet") : why);
        return {};
    }
    QStringList chosen;
    for (const QString &part : text.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const QString gpu = part.trimmed();
        if (!usable.contains(gpu)) {
            if (error) *error = tr("GPUs: \"%1\" is not a GPU CUDA can use here (usable: %2; Help ▸ About lists them).")
                                    .arg(gpu, usable.join(QStringLiteral(", ")));
            return {};
        }
        if (!chosen.contains(gpu)) chosen << gpu;
    }
    return chosen;
}

int JobsWorkspace::defaultParallel() const {
    const QStringList gpus = chosenGpus(nullptr);
    return gpus.isEmpty() ? std::max(1, QThread::idealThreadCount()) : int(gpus.size());
}

void JobsWorkspace::applyDefaultParallel() {
    const bool gpus = !SystemInfo::instance()->cudaGpus().isEmpty();
    m_gpus->setEnabled(gpus);
    m_gpusLabel->setEnabled(gpus);
    const QString why = SystemInfo::instance()->whyNotCuda();
    m_gpus->setToolTip(gpus ? tr("The GPUs workers may use, e.g. 0,2 (NVML indices, as Help ▸ About lists them); "
                                 "empty: all of them, one worker each")
                            : tr("Training on the CPU: %1").arg(why.isEmpty() ? tr("no GPU is usable") : why));
    if (m_parallelChosen) return;
    m_settingDefault = true;
    m_parallel->setValue(defaultParallel());
    m_settingDefault = false;
}

void JobsWorkspace::setStore(const QString &storePath) {
    m_storePath = storePath;
    refresh();
    setRunOn(runOn());  // collect into this store now
}

void JobsWorkspace::setCacheDir(const QString &dir) {
    m_cacheDir = dir;
    refresh();
}

int JobsWorkspace::rowOf(const QString &condition, std::uint64_t seed) const {
    for (std::size_t i = 0; i < m_rows.size(); ++i)
        if (m_rows[i].condition == condition && m_rows[i].seed == seed) return int(i);
    return -1;
}

void JobsWorkspace::rebuildRows() {
    const experiment::ExperimentSpec &spec = m_doc->spec();
    m_specHash = QString::fromStdString(experiment::canonicalHash(spec));
    m_title->setText(tr("<b>Runs of %1</b>").arg(QString::fromStdString(spec.name).toHtmlEscaped()));
    std::vector<Row> rows;
    for (const auto &condition : spec.conditions)
        for (std::uint64_t seed : spec.seeds) rows.push_back({QString::fromStdString(condition.name), seed, {}, {}});
    // Jobs this window runs stay listed even when the spec no longer names them.
    for (const auto &job : m_runner->jobs()) {
        bool listed = false;
        for (const Row &r : rows) listed = listed || (r.condition == job->condition && r.seed == job->seed);
        if (!listed) rows.push_back({job->condition, job->seed, {}, {}});
    }
    m_rows = std::move(rows);
    m_table->setRowCount(int(m_rows.size()));
    refresh();
}

void JobsWorkspace::refresh() {
    std::map<std::pair<std::string, std::uint64_t>, store::RunRecord> stored;
    std::map<std::int64_t, store::RunHistory> histories;
    if (!m_storePath.isEmpty() && QFile::exists(m_storePath)) {
        try {
            store::ResultsStore s =
                store::ResultsStore::open(m_storePath.toStdString(), store::ResultsStore::Access::ReadOnly);
            if (auto experiment = s.findExperiment(m_specHash.toStdString())) {
                // Also how far a worker of another process got: follow it through what it writes.
                histories = store::runHistories(s, experiment->id);
                for (store::RunRecord &r : s.runs(experiment->id)) stored[{r.condition, r.seed}] = std::move(r);
            }
        } catch (const std::exception &e) {
            m_message->setText(QString::fromStdString(e.what()));
        }
    }
    for (Row &row : m_rows) {
        auto it = stored.find({row.condition.toStdString(), row.seed});
        row.stored.clear();
        row.error.clear();
        row.runId = 0;
        row.device.clear();
        row.summary.clear();
        row.history.reset();
        if (it != stored.end()) {
            const store::RunRecord &record = it->second;
            std::string_view status = store::runStatusName(record.status);
            row.stored = QString::fromLatin1(status.data(), qsizetype(status.size()));
            row.error = QString::fromStdString(record.error.value_or(""));
            row.runId = record.id;
            row.device = QString::fromStdString(record.device.value_or(""));
            if (auto h = histories.find(record.id); h != histories.end()) row.history = h->second;
            row.summary = storedRunSummary(record, row.history.value_or(store::RunHistory{}));
        }
    }
    for (int i = 0; i < int(m_rows.size()); ++i) updateRow(i);
}

void JobsWorkspace::reloadProfiles() {
    const QString current = runOn();
    m_runOn->clear();
    m_runOn->addItem(tr("this computer"));
    for (const ClusterProfile &p : loadClusterProfiles()) m_runOn->addItem(p.name);
    m_runOn->addItem(kNewProfile);
    setRunOn(current);
}

bool JobsWorkspace::setRunOn(const QString &profileName) {
    int index = profileName.isEmpty() ? 0 : m_runOn->findText(profileName);
    const bool found = index > 0 && m_runOn->itemText(index) != kNewProfile;
    if (!found) index = 0;
    m_runOn->setCurrentIndex(index);
    QSettings().setValue(QStringLiteral("jobs/runOn"), found ? profileName : QString());
    m_editProfile->setEnabled(found);
    // On a cluster, SLURM decides how many run at once and where.
    m_parallel->setVisible(!found);
    m_gpus->setVisible(!found);
    m_gpusLabel->setVisible(!found);
    m_cluster->setPolling(false);
    if (found) {
        for (const ClusterProfile &p : loadClusterProfiles())
            if (p.name == profileName) m_cluster->setContext(m_doc->path(), m_storePath, p);
        // Follow what was submitted before (by this window, another, or the CLI).
        m_cluster->setPolling(true);
        m_cluster->poll();
    }
    for (int i = 0; i < int(m_rows.size()); ++i) updateRow(i);
    return found || profileName.isEmpty();
}

QString JobsWorkspace::runOn() const { return m_runOn->currentIndex() > 0 ? m_runOn->currentText() : QString(); }

bool JobsWorkspace::onCluster() const { return !runOn().isEmpty(); }

void JobsWorkspace::editProfile(bool create) {
    std::vector<ClusterProfile> profiles = loadClusterProfiles();
    auto current = std::find_if(profiles.begin(), profiles.end(),
                                [this](const ClusterProfile &p) { return p.name == runOn(); });
    ClusterProfile start;
    if (!create && current != profiles.end()) start = *current;
    ClusterProfileDialog dialog(start, this);
    if (dialog.exec() != QDialog::Accepted) {
        setRunOn(runOn());  // "New cluster profile…" is not a place to run
        return;
    }
    ClusterProfile edited = dialog.profile();
    auto same = std::find_if(profiles.begin(), profiles.end(),
                             [&edited](const ClusterProfile &p) { return p.name == edited.name; });
    if (!create && current != profiles.end())
        *current = edited;
    else if (same != profiles.end())
        *same = edited;  // a new profile of an existing name replaces it
    else
        profiles.push_back(edited);
    saveClusterProfiles(profiles);
    reloadProfiles();
    setRunOn(edited.name);
}

void JobsWorkspace::onClusterUpdated() {
    refresh();  // collect may have ingested runs into the store
    int done = 0;
    for (const Row &r : m_rows)
        if (const ClusterRun *run = m_cluster->find(r.condition, r.seed); run && run->state == QLatin1String("done"))
            ++done;
    showSelectedLog();
    if (done != m_clusterDone) {
        m_clusterDone = done;
        Q_EMIT runsChanged();
    }
}

void JobsWorkspace::showStoredCurves() {
    std::vector<std::pair<QString, std::int64_t>> wanted;  // label, run id
    for (const auto &[condition, seed] : selectedRuns()) {
        const int row = rowOf(condition, seed);
        if (row < 0 || m_rows[std::size_t(row)].runId == 0 || m_runner->find(condition, seed) >= 0) continue;
        if (const ClusterRun *run = onCluster() ? m_cluster->find(condition, seed) : nullptr; run && !run->losses.isEmpty())
            continue;  // followed live from its events file
        wanted.emplace_back(condition + QStringLiteral("/seed") + QString::number(seed), m_rows[std::size_t(row)].runId);
    }
    if (wanted.empty()) return;
    try {
        store::ResultsStore s = store::ResultsStore::open(m_storePath.toStdString(), store::ResultsStore::Access::ReadOnly);
        for (const auto &[label, runId] : wanted) {
            QVector<QPointF> points;
            for (const auto &[step, loss] : store::runMetricSeries(s, runId, "train_loss"))
                points.append(QPointF(double(step), loss));
            m_chart->setCurve(label, points);
        }
    } catch (const std::exception &e) {
        m_message->setText(QString::fromStdString(e.what()));
    }
}

QString JobsWorkspace::stateOf(const QString &condition, std::uint64_t seed) const {
    int index = m_runner->find(condition, seed);
    if (index >= 0) return stateName(m_runner->jobs()[std::size_t(index)]->state);
    if (onCluster())
        if (const ClusterRun *run = m_cluster->find(condition, seed); run && run->state != QLatin1String("not submitted"))
            return run->display();
    int row = rowOf(condition, seed);
    if (row < 0) return {};
    const Row &r = m_rows[std::size_t(row)];
    if (r.stored.isEmpty()) return tr("not started");
    if (r.stored == QLatin1String("running")) {
        // The store says running; only the worker's lock tells whether it still is.
        std::string lock =
            experiment::runLockPath(m_cacheDir.toStdString(), m_specHash.toStdString(), condition.toStdString(), seed);
        return common::FileLock::isHeldElsewhere(lock) ? kElsewhere : kInterrupted;
    }
    return r.stored;
}

QString JobsWorkspace::noteOf(const QString &condition, std::uint64_t seed) const {
    int index = m_runner->find(condition, seed);
    if (index >= 0 && !m_runner->jobs()[std::size_t(index)]->message.isEmpty())
        return m_runner->jobs()[std::size_t(index)]->message;
    if (onCluster())
        if (const ClusterRun *run = m_cluster->find(condition, seed); run && !run->note.isEmpty()) return run->note;
    int row = rowOf(condition, seed);
    return row < 0 ? QString() : m_rows[std::size_t(row)].error;
}

void JobsWorkspace::updateRow(int row) {
    const Row &r = m_rows.at(std::size_t(row));
    QStringList cells(ColumnCount);
    cells[ConditionColumn] = r.condition;
    cells[SeedColumn] = QString::number(r.seed);
    cells[StateColumn] = stateOf(r.condition, r.seed);
    int index = m_runner->find(r.condition, r.seed);
    if (index >= 0) {
        const RunJob &job = *m_runner->jobs()[std::size_t(index)];
        if (job.steps > 0) cells[StepColumn] = QStringLiteral("%1/%2").arg(job.step).arg(job.steps);
        if (!job.losses.isEmpty()) cells[LossColumn] = QString::number(job.loss, 'f', 4);
        if (job.tokensPerSecond > 0) cells[SpeedColumn] = QString::number(job.tokensPerSecond, 'f', 0);
        cells[EtaColumn] = job.eta();
        cells[DeviceColumn] = job.device;
        // Say why a run is on the CPU, as `system info` does (on a GPU workstation with a
        // CPU-only libtorch, this is the first place a user looks).
        const QString why = SystemInfo::instance()->whyNotCuda();
        if (job.device.startsWith(QLatin1String("cpu")) && !why.isEmpty()) cells[DeviceColumn] += tr(" (%1)").arg(why);
    } else if (const ClusterRun *run = onCluster() ? m_cluster->find(r.condition, r.seed) : nullptr;
               run && !run->task.isEmpty()) {
        if (run->steps > 0) cells[StepColumn] = QStringLiteral("%1/%2").arg(run->step).arg(run->steps);
        if (!run->losses.isEmpty()) cells[LossColumn] = QString::number(run->loss, 'f', 4);
        cells[DeviceColumn] = tr("slurm %1").arg(run->task);
    } else if (r.runId != 0) {  // as far as the store knows, whoever trained it
        if (r.history && r.history->lastLoss) {
            cells[StepColumn] = QString::number(r.history->lastLoss->first);
            cells[LossColumn] = QString::number(r.history->lastLoss->second, 'f', 4);
        }
        if (r.history && r.history->tokensPerSecond)
            cells[SpeedColumn] = QString::number(*r.history->tokensPerSecond, 'f', 0);
        if (r.history && r.history->seconds && r.stored != QLatin1String("running"))
            cells[EtaColumn] = tr("took %1").arg(formatSeconds(*r.history->seconds));
        cells[DeviceColumn] = r.device;
    }
    QString note = noteOf(r.condition, r.seed);
    cells[NoteColumn] = note.section('\n', 0, 0);
    for (int c = 0; c < ColumnCount; ++c) {
        QTableWidgetItem *item = m_table->item(row, c);
        if (!item) m_table->setItem(row, c, item = new QTableWidgetItem);
        if (item->text() != cells[c]) item->setText(cells[c]);
        if (c == NoteColumn) item->setToolTip(note);
    }
}

std::vector<std::pair<QString, std::uint64_t>> JobsWorkspace::selectedRuns() const {
    std::vector<std::pair<QString, std::uint64_t>> out;
    for (const QModelIndex &index : m_table->selectionModel()->selectedRows())
        if (index.row() < int(m_rows.size()))
            out.emplace_back(m_rows[std::size_t(index.row())].condition, m_rows[std::size_t(index.row())].seed);
    return out;
}

bool JobsWorkspace::queueRuns(const std::vector<std::pair<QString, std::uint64_t>> &runs) {
    if (m_doc->path().isEmpty() || m_doc->isModified()) {
        m_message->setText(tr("Save the experiment first: workers read the spec file."));
        return false;
    }
    if (m_storePath.isEmpty()) {
        m_message->setText(tr("Open a results store first (File ▸ Open Results Store)."));
        return false;
    }
    if (!m_doc->problems().empty()) {
        m_message->setText(tr("The spec has problems to fix first (see the status bar)."));
        return false;
    }
    // The queue keys its runs by condition and seed; the CLI runs every base model's.
    if (const std::size_t bases = m_doc->spec().baseModel.toy.pretraining.seeds.size();
        experiment::runBaseSeeds(m_doc->spec()).front()) {
        m_message->setText(tr("This spec names %1 base models (base_model.pretraining.seeds). The workbench runs "
                              "experiments on one base model so far: run it with inoculab-cli experiment run %2; "
                              "its results show in Results as they come in.")
                               .arg(bases)
                               .arg(m_doc->path()));
        return false;
    }
    m_message->clear();
    if (onCluster()) {
        for (const ClusterProfile &p : loadClusterProfiles())
            if (p.name == runOn()) m_cluster->setContext(m_doc->path(), m_storePath, p);
        m_cluster->submit(runs);
        m_message->setText(tr("Submitting %n run(s) to %1…", nullptr, int(runs.size())).arg(runOn()));
        return true;
    }
    QString gpuError;
    const QStringList gpus = chosenGpus(&gpuError);
    if (!gpuError.isEmpty()) {
        m_message->setText(gpuError);
        return false;
    }
    m_runner->setGpus(gpus);
    m_runner->setContext(m_doc->path(), m_specHash, m_storePath, m_cacheDir);
    for (const auto &[condition, seed] : runs) m_runner->enqueue(condition, seed, true);
    return true;
}

bool JobsWorkspace::queueAllNotDone() {
    std::vector<std::pair<QString, std::uint64_t>> runs;
    for (const Row &r : m_rows) {
        // On a cluster the CLI skips what is still queued or running there.
        const bool live = onCluster() ? false : stateOf(r.condition, r.seed) == kElsewhere;
        if (r.stored != QLatin1String("done") && !live) runs.emplace_back(r.condition, r.seed);
    }
    return queueRuns(runs);
}

void JobsWorkspace::cancelRun(const QString &condition, std::uint64_t seed) {
    int index = m_runner->find(condition, seed);
    if (index >= 0) m_runner->cancel(index);
    if (onCluster()) m_cluster->cancel(condition, seed);
}

void JobsWorkspace::showSelectedLog() {
    auto runs = selectedRuns();
    if (runs.empty()) return;
    showStoredCurves();
    QString text;
    const int selectedRow = rowOf(runs.front().first, runs.front().second);
    const QString summary = selectedRow < 0 ? QString() : m_rows[std::size_t(selectedRow)].summary;
    if (onCluster()) {
        const QString path = m_cluster->logFile(runs.front().first, runs.front().second);
        const QString log = tailOfFile(path);
        text = log.isEmpty() ? tr("log (%1): nothing written").arg(path) : tr("log (%1):\n").arg(path) + log;
        if (!summary.isEmpty()) text = summary + QStringLiteral("\n\n") + text;
        if (m_log->toPlainText() != text) {
            m_log->setPlainText(text);
            m_log->moveCursor(QTextCursor::End);
        }
        return;
    }
    int index = m_runner->find(runs.front().first, runs.front().second);
    if (index >= 0 && !m_runner->jobs()[std::size_t(index)]->history.isEmpty())
        text = m_runner->jobs()[std::size_t(index)]->history.join('\n') + QStringLiteral("\n\n");
    else if (!summary.isEmpty())
        text = summary + QStringLiteral("\n\n");  // a run no worker of this window trained
    // Where this window's workers and `experiment run`'s write their stderr alike.
    QString path = m_cacheDir + QStringLiteral("/jobs/") + m_specHash.left(16) + QStringLiteral("/") +
                   runs.front().first + QStringLiteral("-seed") + QString::number(runs.front().second) +
                   QStringLiteral(".log");
    const QString log = tailOfFile(path);
    text += log.isEmpty() ? tr("stderr (%1): nothing written").arg(path) : tr("stderr (%1):\n").arg(path) + log;
    if (m_log->toPlainText() == text) return;
    m_log->setPlainText(text);
    m_log->moveCursor(QTextCursor::End);
}

}  // namespace inoculab::ui
