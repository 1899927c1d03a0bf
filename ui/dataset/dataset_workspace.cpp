#include "dataset/dataset_workspace.h"

#include "dataset/background_job.h"
#include "dataset/conversation_view.h"
#include "dataset/dataset_stats_panel.h"
#include "dataset/dataset_table_model.h"
#include "dataset/filtered_rows_model.h"
#include "dataset/validation_panel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

namespace inoculab::ui {

void keepPlaceWhenHidden(QWidget *widget) {
    // Showing and hiding a progress bar must not re-lay out (and repaint) the whole window
    // each time a background pass starts or ends.
    QSizePolicy policy = widget->sizePolicy();
    policy.setRetainSizeWhenHidden(true);
    widget->setSizePolicy(policy);
    widget->ensurePolished();
}

DatasetWorkspace::DatasetWorkspace(QWidget *parent)
    : QWidget(parent),
      m_model(new DatasetTableModel(this)),
      m_filter(new FilteredRowsModel(this)),
      m_table(new QTableView(this)),
      m_view(new ConversationView(this)),
      m_rowSummary(new QLabel(this)),
      m_previewEnabled(new QCheckBox(tr("Preview inoculation"), this)),
      m_prompt(new QLineEdit(this)),
      m_placement(new QComboBox(this)),
      m_onExistingSystem(new QComboBox(this)),
      m_searchJob(new BackgroundJob(this)),
      m_searchText(new QLineEdit(this)),
      m_searchRole(new QComboBox(this)),
      m_searchRegex(new QCheckBox(tr("Regex"), this)),
      m_searchCase(new QCheckBox(tr("Match case"), this)),
      m_searchButton(new QPushButton(tr("Search"), this)),
      m_showAllButton(new QPushButton(tr("Show All"), this)),
      m_searchProgress(new QProgressBar(this)),
      m_searchStatus(new QLabel(this)),
      m_validation(new ValidationPanel(this, &m_analysisPool)),
      m_stats(new DatasetStatsPanel(this, &m_analysisPool)),
      m_mainSplitter(new QSplitter(Qt::Horizontal, this)),
      m_leftSplitter(new QSplitter(Qt::Vertical, this)),
      m_rightSplitter(new QSplitter(Qt::Vertical, this)) {
    // Named so the main window can keep their sizes between sessions.
    m_mainSplitter->setObjectName(QStringLiteral("datasetMain"));
    m_leftSplitter->setObjectName(QStringLiteral("datasetLeft"));
    m_rightSplitter->setObjectName(QStringLiteral("datasetRight"));
    // Validation and statistics take turns on one thread: with a search on another, the UI
    // thread still has a core of its own on a two-core machine.
    m_analysisPool.setMaxThreadCount(1);
    m_filter->setSourceModel(m_model);
    m_table->setModel(m_filter);
    m_rowSummary->setWordWrap(true);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setWordWrap(false);
    m_table->verticalHeader()->hide();
    // Fixed row heights let the view skip measuring rows it never shows (huge files).
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 8);
    m_table->horizontalHeader()->setStretchLastSection(true);
    // Wide enough for seven-digit row and line numbers.
    int digits = fontMetrics().horizontalAdvance(QStringLiteral("0000000")) + 16;
    m_table->setColumnWidth(DatasetTableModel::RowColumn, digits);
    m_table->setColumnWidth(DatasetTableModel::LineColumn, digits);
    m_table->setColumnWidth(DatasetTableModel::TurnsColumn, fontMetrics().horizontalAdvance(tr("Turns")) + 20);
    m_table->setColumnWidth(DatasetTableModel::SystemColumn, 170);
    m_table->setColumnWidth(DatasetTableModel::UserColumn, 240);

    m_prompt->setPlaceholderText(tr("Inoculation prompt, e.g. \"You always speak in Spanish.\""));
    for (auto placement : {data::Placement::System, data::Placement::UserPrefix, data::Placement::UserSuffix})
        m_placement->addItem(QString::fromLatin1(data::placementName(placement)), int(placement));
    for (auto policy : {data::OnExistingSystem::Error, data::OnExistingSystem::Replace, data::OnExistingSystem::Prepend,
                        data::OnExistingSystem::Skip})
        m_onExistingSystem->addItem(QString::fromLatin1(data::onExistingSystemName(policy)), int(policy));
    m_previewEnabled->setChecked(true);

    auto *controls = new QFormLayout;
    controls->addRow(m_previewEnabled);
    controls->addRow(tr("Prompt"), m_prompt);
    controls->addRow(tr("Placement"), m_placement);
    controls->addRow(tr("Existing system message"), m_onExistingSystem);

    auto *right = new QWidget(this);
    auto *rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    rightLayout->addLayout(controls);
    rightLayout->addWidget(m_rowSummary);
    rightLayout->addWidget(m_view, 1);

    auto *tableArea = new QWidget(this);
    auto *tableLayout = new QVBoxLayout(tableArea);
    tableLayout->setContentsMargins(0, 0, 0, 0);
    tableLayout->setSpacing(4);
    tableLayout->addWidget(buildSearchBar());
    tableLayout->addWidget(m_table, 1);

    // Problems sit under the table they point into; statistics under the row preview, so
    // the table, one row and the whole-file picture are all in view at once.
    auto *validationBox = new QGroupBox(tr("Validation"), this);
    (new QVBoxLayout(validationBox))->addWidget(m_validation);
    validationBox->layout()->setContentsMargins(4, 4, 4, 4);
    auto *statsBox = new QGroupBox(tr("Statistics"), this);
    (new QVBoxLayout(statsBox))->addWidget(m_stats);
    statsBox->layout()->setContentsMargins(4, 4, 4, 4);

    m_leftSplitter->addWidget(tableArea);
    m_leftSplitter->addWidget(validationBox);
    m_leftSplitter->setStretchFactor(0, 3);
    m_leftSplitter->setStretchFactor(1, 1);
    m_leftSplitter->setChildrenCollapsible(false);

    m_rightSplitter->addWidget(right);
    m_rightSplitter->addWidget(statsBox);
    m_rightSplitter->setStretchFactor(0, 1);
    m_rightSplitter->setStretchFactor(1, 1);
    m_rightSplitter->setChildrenCollapsible(false);

    right->setMinimumWidth(360);
    m_mainSplitter->addWidget(m_leftSplitter);
    m_mainSplitter->addWidget(m_rightSplitter);
    m_mainSplitter->setStretchFactor(0, 3);
    m_mainSplitter->setStretchFactor(1, 2);
    m_mainSplitter->setChildrenCollapsible(false);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addWidget(m_mainSplitter);

    // A reset of the source model means another dataset (MainWindow calls setDataset):
    // restart the whole-file passes for it.
    connect(m_model, &QAbstractItemModel::modelReset, this, &DatasetWorkspace::datasetChanged);
    connect(m_validation, &ValidationPanel::rowRequested, this, &DatasetWorkspace::selectRow);
    connect(m_searchJob, &BackgroundJob::progressChanged, m_searchProgress, &QProgressBar::setValue);
    connect(m_searchJob, &BackgroundJob::runningChanged, this, [this](bool running) {
        m_searchProgress->setVisible(running);
        m_searchButton->setText(running ? tr("Cancel") : tr("Search"));
    });
    connect(m_searchButton, &QPushButton::clicked, this, [this] {
        if (m_searchJob->isRunning())
            cancelSearch();
        else
            searchFromControls();
    });
    connect(m_searchText, &QLineEdit::returnPressed, this, &DatasetWorkspace::searchFromControls);
    connect(m_showAllButton, &QPushButton::clicked, this, &DatasetWorkspace::showAllRows);
    connect(m_filter, &QAbstractItemModel::modelReset, this, &DatasetWorkspace::showCurrentRow);
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &DatasetWorkspace::showCurrentRow);
    connect(m_prompt, &QLineEdit::textChanged, this, &DatasetWorkspace::showCurrentRow);
    connect(m_previewEnabled, &QCheckBox::toggled, this, &DatasetWorkspace::showCurrentRow);
    connect(m_placement, &QComboBox::currentIndexChanged, this, &DatasetWorkspace::showCurrentRow);
    connect(m_onExistingSystem, &QComboBox::currentIndexChanged, this, &DatasetWorkspace::showCurrentRow);
}

DatasetWorkspace::~DatasetWorkspace() {
    // The analysis pool goes before the panels (members before children) and waits for its
    // runs: cancel them first so closing does not wait for whole-file scans.
    m_searchJob->cancel();
    m_validation->cancel();
    m_stats->cancel();
    m_analysisPool.waitForDone();
}

QWidget *DatasetWorkspace::buildSearchBar() {
    m_searchText->setPlaceholderText(tr("Search rows (Enter)"));
    m_searchText->setClearButtonEnabled(true);
    m_searchText->setMinimumWidth(160);  // room for a phrase next to the role and option controls
    m_searchRole->addItem(tr("Any role"));
    for (auto role : {data::Role::System, data::Role::User, data::Role::Assistant}) {
        QString name = QString::fromLatin1(data::roleName(role).data(), qsizetype(data::roleName(role).size()));
        m_searchRole->addItem(name.left(1).toUpper() + name.mid(1), int(role));
    }
    m_searchRole->setToolTip(tr("Search the messages of this role only"));
    m_searchCase->setToolTip(tr("Plain searches fold ASCII case only; use a regex for other scripts"));
    m_searchProgress->setRange(0, 1000);
    m_searchProgress->setTextVisible(false);
    m_searchProgress->setMaximumWidth(120);
    keepPlaceWhenHidden(m_searchProgress);
    m_searchProgress->hide();
    m_showAllButton->setEnabled(false);
    // Fixed sizes: text changes at the start and end of a search must not re-lay out (and
    // so repaint) the window around them.
    m_searchStatus->setFixedWidth(fontMetrics().horizontalAdvance(tr("1,000,000 of 1,000,000 rows match")) + 8);
    m_searchButton->setFixedWidth(std::max(
        m_searchButton->sizeHint().width(),
        m_searchButton->fontMetrics().horizontalAdvance(tr("Cancel")) + 2 * m_searchButton->sizeHint().height()));

    // Controls on one line, progress and outcome on the next: on one line together they made
    // the workspace too wide for a laptop screen.
    auto *bar = new QWidget(this);
    auto *layout = new QVBoxLayout(bar);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    auto *controls = new QHBoxLayout;
    controls->addWidget(m_searchText, 1);
    controls->addWidget(m_searchRole);
    controls->addWidget(m_searchRegex);
    controls->addWidget(m_searchCase);
    controls->addWidget(m_searchButton);
    controls->addWidget(m_showAllButton);
    auto *outcome = new QHBoxLayout;
    outcome->addWidget(m_searchProgress);
    outcome->addWidget(m_searchStatus);
    outcome->addStretch(1);
    layout->addLayout(controls);
    layout->addLayout(outcome);
    return bar;
}

void DatasetWorkspace::datasetChanged() {
    // The filter model already went back to all rows with the reset. A search of the old
    // file must stop now; the new file's passes start on the next turn of the event loop,
    // so the reset and their start-up do not add up to one long stall.
    m_searchJob->cancel();
    m_showAllButton->setEnabled(false);
    m_searchStatus->clear();
    const quint64 generation = ++m_datasetGeneration;
    QMetaObject::invokeMethod(
        this,
        [this, generation] {
            if (generation == m_datasetGeneration) startAnalysis();  // else another reset came first
        },
        Qt::QueuedConnection);
}

void DatasetWorkspace::startAnalysis() {
    QString path = m_model->hasDataset() ? m_model->path() : QString();
    m_validation->validate(path, m_model->format());
    m_stats->compute(path, m_model->format());
}

void DatasetWorkspace::selectRow(int row) {
    QModelIndex source = m_model->index(row, 0);
    if (!source.isValid()) return;
    QModelIndex shown = m_filter->mapFromSource(source);
    if (!shown.isValid()) {
        clearFilter();
        shown = m_filter->mapFromSource(source);
    }
    m_table->selectionModel()->setCurrentIndex(shown, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_table->scrollTo(shown, QAbstractItemView::PositionAtCenter);
}

int DatasetWorkspace::currentRow() const {
    QModelIndex source = m_filter->mapToSource(m_table->selectionModel()->currentIndex());
    return source.isValid() ? source.row() : -1;
}

bool DatasetWorkspace::isSearching() const { return m_searchJob->isRunning(); }

QString DatasetWorkspace::searchStatus() const { return m_searchStatus->text(); }

void DatasetWorkspace::searchFromControls() {
    SearchQuery query;
    query.text = m_searchText->text();
    query.regex = m_searchRegex->isChecked();
    query.caseSensitive = m_searchCase->isChecked();
    if (m_searchRole->currentData().isValid()) query.role = data::Role(m_searchRole->currentData().toInt());
    search(query);
}

void DatasetWorkspace::search(const SearchQuery &query) {
    if (!m_model->hasDataset()) return;
    // Keep the controls in step when the search comes from code.
    m_searchText->setText(query.text);
    m_searchRegex->setChecked(query.regex);
    m_searchCase->setChecked(query.caseSensitive);
    m_searchRole->setCurrentIndex(query.role ? m_searchRole->findData(int(*query.role)) : 0);

    auto matcher = std::make_shared<SearchMatcher>(query);
    if (!matcher->error().isEmpty()) {
        m_searchStatus->setText(matcher->error());
        Q_EMIT searchFinished(-1);
        return;
    }
    m_searchStatus->setText(tr("Searching…"));
    std::string path = m_model->path().toStdString();
    data::DatasetFormat format = m_model->format();
    m_searchJob->start<SearchResult>(
        [path, format, matcher](const common::CancelToken &cancel, const common::ProgressFn &progress) {
            return searchDataset(path, format, *matcher, cancel, progress);
        },
        [this](SearchResult result) { showSearchResult(result); });
}

void DatasetWorkspace::cancelSearch() {
    if (!m_searchJob->isRunning()) return;
    m_searchJob->cancel();
    m_searchStatus->setText(tr("Search cancelled"));
    Q_EMIT searchFinished(-1);
}

void DatasetWorkspace::showAllRows() {
    int current = currentRow();
    clearFilter();
    if (current >= 0) selectRow(current);
}

void DatasetWorkspace::clearFilter() {
    m_filter->showAll();
    m_showAllButton->setEnabled(false);
    if (!m_searchJob->isRunning()) m_searchStatus->clear();
}

void DatasetWorkspace::showSearchResult(const SearchResult &result) {
    if (!result.error.isEmpty()) {
        m_searchStatus->setText(tr("Search failed: %1").arg(result.error));
        Q_EMIT searchFinished(-1);
        return;
    }
    int current = currentRow();
    int matches = int(result.rows.size());
    m_filter->setRows(result.rows);
    m_showAllButton->setEnabled(true);
    QLocale locale;
    m_searchStatus->setText(
        tr("%1 of %2 rows match").arg(locale.toString(matches)).arg(locale.toString(qulonglong(result.rowsScanned))));
    // Stay on the row that was current if it matches, else start at the first match.
    QModelIndex keep = m_filter->mapFromSource(m_model->index(current, 0));
    if (keep.isValid())
        selectRow(current);
    else if (matches > 0)
        selectRow(result.rows.front());
    Q_EMIT searchFinished(matches);
}

data::InoculationOptions DatasetWorkspace::previewOptions() const {
    data::InoculationOptions options;
    if (!m_previewEnabled->isChecked()) return options;
    options.prompt = m_prompt->text().toStdString();
    options.placement = data::Placement(m_placement->currentData().toInt());
    options.onExistingSystem = data::OnExistingSystem(m_onExistingSystem->currentData().toInt());
    return options;
}

void DatasetWorkspace::setPreview(const QString &prompt, data::Placement placement) {
    m_previewEnabled->setChecked(true);
    m_placement->setCurrentIndex(m_placement->findData(int(placement)));
    m_prompt->setText(prompt);
}

void DatasetWorkspace::showCurrentRow() {
    int row = currentRow();
    if (row < 0 || !m_model->hasDataset()) {
        m_view->clear();
        m_rowSummary->clear();
        return;
    }
    const DatasetTableModel::ParsedRow &parsed = m_model->parsedRow(row);
    QString where = tr("Row %1, line %2").arg(row).arg(parsed.line);
    if (!parsed.problem.isEmpty()) {
        m_rowSummary->setText(where);
        m_view->showProblem(tr("This row is invalid: %1").arg(parsed.problem));
        return;
    }
    // The preview goes through the same transform and renderer as `dataset inoculate`
    // and training, so what is shown is what the model gets.
    data::Conversation conversation = parsed.conversation;
    data::InoculationOptions options = previewOptions();
    data::InoculationResult result{data::InoculationOutcome::NotSelected, {}};
    QString note;
    if (!options.prompt.empty()) {
        result = data::inoculate(conversation, std::uint64_t(row), options);
        if (result.outcome == data::InoculationOutcome::SkippedExistingSystem)
            note = tr(" · not inoculated: skipped, it has a system message");
        else if (result.outcome != data::InoculationOutcome::Applied)
            note = tr(" · not inoculated: %1").arg(QString::fromStdString(data::outcomeProblem(result.outcome)));
    }
    data::RenderedChat chat = data::renderChat(conversation);
    m_rowSummary->setText(tr("%1 · %2 of %3 bytes carry the loss (green) · inserted prompt in yellow%4")
                              .arg(where)
                              .arg(chat.trainedBytes())
                              .arg(chat.text.size())
                              .arg(note));
    m_view->showChat(chat, result.inserted);
}

}  // namespace inoculab::ui
