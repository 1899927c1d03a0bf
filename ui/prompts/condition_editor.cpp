#include "condition_editor.h"

#include "spec_document.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>

namespace inoculab::ui {

namespace {

QString fromView(std::string_view text) { return QString::fromUtf8(text.data(), qsizetype(text.size())); }

// Separators are shown with visible escapes: "\n" is the default and would be invisible.
QString escapeSeparator(const std::string &s) {
    return QString::fromStdString(s)
        .replace(QLatin1String("\\"), QLatin1String("\\\\"))
        .replace('\n', QLatin1String("\\n"));
}
std::string unescapeSeparator(const QString &s) {
    QString out;
    for (qsizetype i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 1 < s.size()) {
            QChar next = s[++i];
            out += next == 'n' ? QChar('\n') : next == 't' ? QChar('\t') : next;
        } else {
            out += s[i];
        }
    }
    return out.toStdString();
}

}  // namespace

ConditionEditor::ConditionEditor(SpecDocument *document, QWidget *parent)
    : QWidget(parent),
      m_doc(document),
      m_table(new QTableWidget(0, 3, this)),
      m_name(new QLineEdit(this)),
      m_prompt(new QPlainTextEdit(this)),
      m_placement(new QComboBox(this)),
      m_onExisting(new QComboBox(this)),
      m_turns(new QComboBox(this)),
      m_separator(new QLineEdit(this)),
      m_fraction(new QDoubleSpinBox(this)),
      m_seed(new QSpinBox(this)) {
    m_table->setHorizontalHeaderLabels({tr("Condition"), tr("Prompt"), tr("Placement")});
    m_table->horizontalHeader()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setSectionResizeMode(1, QHeaderView::Stretch);
    m_table->horizontalHeader()->setSectionResizeMode(2, QHeaderView::ResizeToContents);
    m_table->setWordWrap(false);
    m_table->verticalHeader()->hide();
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_prompt->setPlaceholderText(tr("No prompt: a baseline condition"));
    m_prompt->setMaximumHeight(60);
    for (auto p : {data::Placement::System, data::Placement::UserPrefix, data::Placement::UserSuffix})
        m_placement->addItem(fromView(data::placementName(p)), int(p));
    for (auto e : {data::OnExistingSystem::Error, data::OnExistingSystem::Replace, data::OnExistingSystem::Prepend,
                   data::OnExistingSystem::Skip})
        m_onExisting->addItem(fromView(data::onExistingSystemName(e)), int(e));
    for (auto t : {data::TurnScope::First, data::TurnScope::All})
        m_turns->addItem(fromView(experiment::turnScopeName(t)), int(t));
    m_fraction->setRange(0, 1);
    m_fraction->setDecimals(3);
    m_fraction->setSingleStep(0.05);
    m_seed->setRange(0, std::numeric_limits<int>::max());
    m_separator->setToolTip(tr("Between the prompt and existing text; \\n is a newline"));

    auto *form = new QFormLayout;
    form->addRow(tr("Name"), m_name);
    form->addRow(tr("Prompt"), m_prompt);
    form->addRow(tr("Placement"), m_placement);
    form->addRow(tr("Existing system prompt"), m_onExisting);
    form->addRow(tr("User turns"), m_turns);
    form->addRow(tr("Separator"), m_separator);
    form->addRow(tr("Fraction of rows"), m_fraction);
    form->addRow(tr("Selection seed"), m_seed);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(new QLabel(tr("<b>Conditions</b> of the open experiment"), this));
    layout->addWidget(m_table, 1);
    layout->addLayout(form);

    connect(m_doc, &SpecDocument::changed, this, &ConditionEditor::refresh);
    connect(m_table, &QTableWidget::itemSelectionChanged, this, [this] {
        if (m_updating) return;
        QList<QTableWidgetItem *> items = m_table->selectedItems();
        if (!items.isEmpty()) selectCondition(items.first()->row());
    });
    connect(m_name, &QLineEdit::textEdited, this, [this] { commit(QStringLiteral("name")); });
    connect(m_prompt, &QPlainTextEdit::textChanged, this, [this] { commit(QStringLiteral("prompt")); });
    connect(m_placement, &QComboBox::activated, this, [this] { commit({}); });
    connect(m_onExisting, &QComboBox::activated, this, [this] { commit({}); });
    connect(m_turns, &QComboBox::activated, this, [this] { commit({}); });
    connect(m_separator, &QLineEdit::textEdited, this, [this] { commit(QStringLiteral("separator")); });
    connect(m_fraction, &QDoubleSpinBox::valueChanged, this, [this] { commit(QStringLiteral("fraction")); });
    connect(m_seed, &QSpinBox::valueChanged, this, [this] { commit(QStringLiteral("seed")); });
    refresh();
}

void ConditionEditor::selectCondition(int index) {
    int count = int(m_doc->spec().conditions.size());
    index = count == 0 ? -1 : std::clamp(index, 0, count - 1);
    bool moved = index != m_current;
    m_current = index;
    m_updating = true;
    if (index >= 0) m_table->selectRow(index);
    m_updating = false;
    showCurrent();
    if (moved) Q_EMIT currentConditionChanged(index);
}

void ConditionEditor::refresh() {
    const auto &conditions = m_doc->spec().conditions;
    m_updating = true;
    m_table->setRowCount(int(conditions.size()));
    for (int row = 0; row < int(conditions.size()); ++row) {
        const experiment::ConditionSpec &c = conditions[std::size_t(row)];
        m_table->setItem(row, 0, new QTableWidgetItem(QString::fromStdString(c.name)));
        auto *prompt =
            new QTableWidgetItem(c.isBaseline() ? tr("(none)") : QString::fromStdString(c.inoculation.prompt));
        if (c.isBaseline()) prompt->setForeground(palette().color(QPalette::PlaceholderText));
        m_table->setItem(row, 1, prompt);
        m_table->setItem(
            row, 2,
            new QTableWidgetItem(c.isBaseline() ? QString() : fromView(data::placementName(c.inoculation.placement))));
    }
    m_updating = false;
    selectCondition(m_current < 0 ? 0 : m_current);
}

void ConditionEditor::showCurrent() {
    const auto &conditions = m_doc->spec().conditions;
    bool valid = m_current >= 0 && m_current < int(conditions.size());
    for (QWidget *w : std::initializer_list<QWidget *>{m_name, m_prompt, m_placement, m_onExisting, m_turns,
                                                       m_separator, m_fraction, m_seed})
        w->setEnabled(valid);
    if (!valid) return;
    const experiment::ConditionSpec &c = conditions[std::size_t(m_current)];
    m_updating = true;
    // Only fields that differ are set: rewriting the field being typed in would move its cursor.
    if (m_name->text() != QString::fromStdString(c.name)) m_name->setText(QString::fromStdString(c.name));
    if (m_prompt->toPlainText() != QString::fromStdString(c.inoculation.prompt))
        m_prompt->setPlainText(QString::fromStdString(c.inoculation.prompt));
    m_placement->setCurrentIndex(m_placement->findData(int(c.inoculation.placement)));
    m_onExisting->setCurrentIndex(m_onExisting->findData(int(c.inoculation.onExistingSystem)));
    m_turns->setCurrentIndex(m_turns->findData(int(c.inoculation.turns)));
    if (unescapeSeparator(m_separator->text()) != c.inoculation.separator)
        m_separator->setText(escapeSeparator(c.inoculation.separator));
    m_fraction->setValue(c.inoculation.fraction);
    m_seed->setValue(int(std::min<std::uint64_t>(c.inoculation.seed, std::uint64_t(m_seed->maximum()))));
    m_updating = false;
}

void ConditionEditor::commit(const QString &field) {
    if (m_updating || m_current < 0 || m_current >= int(m_doc->spec().conditions.size())) return;
    experiment::ConditionSpec c = m_doc->spec().conditions[std::size_t(m_current)];
    c.name = m_name->text().toStdString();
    c.inoculation.prompt = m_prompt->toPlainText().toStdString();
    c.inoculation.placement = data::Placement(m_placement->currentData().toInt());
    c.inoculation.onExistingSystem = data::OnExistingSystem(m_onExisting->currentData().toInt());
    c.inoculation.turns = data::TurnScope(m_turns->currentData().toInt());
    c.inoculation.separator = unescapeSeparator(m_separator->text());
    c.inoculation.fraction = m_fraction->value();
    c.inoculation.seed = std::uint64_t(m_seed->value());
    m_doc->setCondition(m_current, c,
                        field.isEmpty() ? QString() : QStringLiteral("condition %1 %2").arg(m_current).arg(field));
}

void ConditionEditor::setPrompt(const QString &text) {
    if (m_current < 0 || m_current >= int(m_doc->spec().conditions.size())) return;
    experiment::ConditionSpec c = m_doc->spec().conditions[std::size_t(m_current)];
    c.inoculation.prompt = text.toStdString();
    m_doc->setCondition(m_current, c);
}

}  // namespace inoculab::ui
