#include "prompt_library_panel.h"

#include <QCheckBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

namespace inoculab::ui {

PromptLibraryPanel::PromptLibraryPanel(QWidget *parent)
    : QWidget(parent),
      m_table(new QTableWidget(0, 2, this)),
      m_text(new QPlainTextEdit(this)),
      m_notes(new QPlainTextEdit(this)),
      m_updated(new QLabel(this)) {
    m_table->setHorizontalHeaderLabels({tr("Prompt"), tr("Tags")});
    m_table->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_table->horizontalHeader()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    m_table->verticalHeader()->hide();
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_text->setPlaceholderText(tr("Prompt text, e.g. \"You always speak in Spanish.\""));
    m_text->setMaximumHeight(70);
    m_notes->setPlaceholderText(tr("Notes: where it comes from, what it is meant to elicit"));
    m_notes->setMaximumHeight(50);

    // Two short rows of buttons and a 2 x 2 grid of tags keep the panel narrow, so the
    // preview beside it gets the width.
    auto *buttons = new QHBoxLayout;
    auto *add = new QPushButton(tr("New"), this);
    auto *duplicate = new QPushButton(tr("Duplicate"), this);
    auto *remove = new QPushButton(tr("Delete"), this);
    for (QPushButton *b : {add, duplicate, remove}) buttons->addWidget(b);
    buttons->addStretch();
    auto *actions = new QHBoxLayout;
    auto *save = new QPushButton(tr("Save"), this);
    auto *use = new QPushButton(tr("Use for condition"), this);
    use->setToolTip(tr("Put this prompt into the condition selected on the right"));
    actions->addWidget(save);
    actions->addStretch();
    actions->addWidget(use);

    auto *tags = new QGridLayout;
    tags->addWidget(new QLabel(tr("Tags:"), this), 0, 0);
    int position = 0;
    for (std::string_view tag : store::kPromptTags) {
        auto *box = new QCheckBox(QString::fromLatin1(tag.data(), qsizetype(tag.size())), this);
        m_tags[std::string(tag)] = box;
        tags->addWidget(box, position / 2, 1 + position % 2);
        ++position;
    }
    tags->setColumnStretch(3, 1);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto *title = new QLabel(tr("<b>Prompt library</b>"), this);
    layout->addWidget(title);
    layout->addWidget(m_table, 1);
    layout->addLayout(buttons);
    layout->addWidget(m_text);
    layout->addLayout(tags);
    layout->addWidget(m_notes);
    layout->addLayout(actions);
    layout->addWidget(m_updated);

    connect(m_table, &QTableWidget::itemSelectionChanged, this, &PromptLibraryPanel::showSelected);
    connect(add, &QPushButton::clicked, this, [this] {
        m_table->clearSelection();
        m_text->clear();
        m_notes->clear();
        for (auto &[tag, box] : m_tags) box->setChecked(tag == "inoculation");
        m_text->setFocus();
    });
    connect(duplicate, &QPushButton::clicked, this, &PromptLibraryPanel::duplicateSelected);
    connect(remove, &QPushButton::clicked, this, &PromptLibraryPanel::deleteSelected);
    connect(save, &QPushButton::clicked, this, &PromptLibraryPanel::saveEdits);
    connect(use, &QPushButton::clicked, this, [this] {
        if (!m_text->toPlainText().trimmed().isEmpty()) Q_EMIT useForCondition(m_text->toPlainText());
    });
    setEnabled(false);
}

PromptLibraryPanel::~PromptLibraryPanel() = default;

bool PromptLibraryPanel::setStore(const QString &path, QString *error) {
    try {
        m_store = std::make_unique<store::ResultsStore>(store::ResultsStore::open(path.toStdString()));
    } catch (const std::exception &e) {
        m_store.reset();
        setEnabled(false);
        if (error) *error = QString::fromStdString(e.what());
        return false;
    }
    setEnabled(true);
    reload(0);
    return true;
}

void PromptLibraryPanel::reload(std::int64_t select) {
    if (!m_store) return;
    try {
        m_prompts = store::listPrompts(*m_store);
    } catch (const std::exception &e) {
        Q_EMIT failed(QString::fromStdString(e.what()));
        return;
    }
    QSignalBlocker block(m_table);
    m_table->setRowCount(int(m_prompts.size()));
    for (int row = 0; row < int(m_prompts.size()); ++row) {
        const store::PromptRecord &p = m_prompts[std::size_t(row)];
        QStringList tags;
        for (const std::string &t : p.tags) tags << QString::fromStdString(t);
        auto *text = new QTableWidgetItem(QString::fromStdString(p.text).simplified());
        text->setToolTip(QString::fromStdString(p.text));
        text->setData(Qt::UserRole, qint64(p.id));
        m_table->setItem(row, 0, text);
        m_table->setItem(row, 1, new QTableWidgetItem(tags.join(QStringLiteral(", "))));
        if (p.id == select) m_table->selectRow(row);
    }
    block.unblock();
    showSelected();
    Q_EMIT libraryChanged();
}

std::int64_t PromptLibraryPanel::selectedId() const {
    QList<QTableWidgetItem *> items = m_table->selectedItems();
    for (QTableWidgetItem *item : items)
        if (item->column() == 0) return item->data(Qt::UserRole).toLongLong();
    return 0;
}

void PromptLibraryPanel::selectPrompt(std::int64_t id) {
    for (int row = 0; row < m_table->rowCount(); ++row)
        if (m_table->item(row, 0)->data(Qt::UserRole).toLongLong() == id) m_table->selectRow(row);
}

void PromptLibraryPanel::showSelected() {
    std::int64_t id = selectedId();
    for (const store::PromptRecord &p : m_prompts) {
        if (p.id != id) continue;
        m_text->setPlainText(QString::fromStdString(p.text));
        m_notes->setPlainText(QString::fromStdString(p.notes));
        for (auto &[tag, box] : m_tags) box->setChecked(std::find(p.tags.begin(), p.tags.end(), tag) != p.tags.end());
        m_updated->setText(tr("Saved %1").arg(QString::fromStdString(p.updatedAt)));
        return;
    }
    m_updated->clear();
}

bool PromptLibraryPanel::saveEdits() {
    store::PromptRecord p;
    p.id = selectedId();
    p.text = m_text->toPlainText().toStdString();
    p.notes = m_notes->toPlainText().toStdString();
    for (auto &[tag, box] : m_tags)
        if (box->isChecked()) p.tags.push_back(tag);
    // Tags the panel does not offer stay as they were.
    for (const store::PromptRecord &old : m_prompts)
        if (old.id == p.id)
            for (const std::string &t : old.tags)
                if (!m_tags.count(t)) p.tags.push_back(t);
    return addPrompt(p) != 0;
}

std::int64_t PromptLibraryPanel::addPrompt(const store::PromptRecord &prompt) {
    if (!m_store) return 0;
    try {
        std::int64_t id = store::savePrompt(*m_store, prompt);
        reload(id);
        return id;
    } catch (const std::exception &e) {
        Q_EMIT failed(tr("Prompt not saved: %1").arg(QString::fromStdString(e.what())));
        return 0;
    }
}

void PromptLibraryPanel::duplicateSelected() {
    if (!m_store || selectedId() == 0) return;
    try {
        reload(store::duplicatePrompt(*m_store, selectedId()));
    } catch (const std::exception &e) {
        Q_EMIT failed(QString::fromStdString(e.what()));
    }
}

void PromptLibraryPanel::deleteSelected() {
    if (!m_store || selectedId() == 0) return;
    try {
        store::deletePrompt(*m_store, selectedId());
        reload(0);
    } catch (const std::exception &e) {
        Q_EMIT failed(QString::fromStdString(e.what()));
    }
}

}  // namespace inoculab::ui
