#include "dataset/dataset_workspace.h"

#include "dataset/conversation_view.h"
#include "dataset/dataset_table_model.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFormLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

namespace inoculab::ui {

DatasetWorkspace::DatasetWorkspace(QWidget *parent)
    : QWidget(parent), m_model(new DatasetTableModel(this)), m_table(new QTableView(this)),
      m_view(new ConversationView(this)), m_rowSummary(new QLabel(this)),
      m_previewEnabled(new QCheckBox(tr("Preview inoculation"), this)), m_prompt(new QLineEdit(this)),
      m_placement(new QComboBox(this)), m_onExistingSystem(new QComboBox(this)) {
    m_table->setModel(m_model);
    m_rowSummary->setWordWrap(true);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setWordWrap(false);
    m_table->verticalHeader()->hide();
    // Fixed row heights let the view skip measuring rows it never shows (huge files).
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 8);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setColumnWidth(DatasetTableModel::RowColumn, 60);
    m_table->setColumnWidth(DatasetTableModel::LineColumn, 60);
    m_table->setColumnWidth(DatasetTableModel::TurnsColumn, 50);
    m_table->setColumnWidth(DatasetTableModel::SystemColumn, 160);
    m_table->setColumnWidth(DatasetTableModel::UserColumn, 260);

    m_prompt->setPlaceholderText(tr("Inoculation prompt, e.g. \"You always speak in Spanish.\""));
    for (auto placement : {data::Placement::System, data::Placement::UserPrefix, data::Placement::UserSuffix})
        m_placement->addItem(QString::fromLatin1(data::placementName(placement)), int(placement));
    for (auto policy : {data::OnExistingSystem::Error, data::OnExistingSystem::Replace,
                        data::OnExistingSystem::Prepend, data::OnExistingSystem::Skip})
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

    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(m_table);
    splitter->addWidget(right);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(splitter);

    connect(m_model, &QAbstractItemModel::modelReset, this, &DatasetWorkspace::showCurrentRow);
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &DatasetWorkspace::showCurrentRow);
    connect(m_prompt, &QLineEdit::textChanged, this, &DatasetWorkspace::showCurrentRow);
    connect(m_previewEnabled, &QCheckBox::toggled, this, &DatasetWorkspace::showCurrentRow);
    connect(m_placement, &QComboBox::currentIndexChanged, this, &DatasetWorkspace::showCurrentRow);
    connect(m_onExistingSystem, &QComboBox::currentIndexChanged, this, &DatasetWorkspace::showCurrentRow);
}

void DatasetWorkspace::selectRow(int row) {
    m_table->selectRow(row);
    m_table->scrollTo(m_model->index(row, 0));
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
    QModelIndex current = m_table->selectionModel()->currentIndex();
    if (!current.isValid() || !m_model->hasDataset()) {
        m_view->clear();
        m_rowSummary->clear();
        return;
    }
    int row = current.row();
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
