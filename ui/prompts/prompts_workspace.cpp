#include "prompts_workspace.h"

#include "condition_editor.h"
#include "elicitation_panel.h"
#include "inoculation_preview.h"
#include "prompt_library_panel.h"
#include "spec_document.h"

#include <QDataStream>
#include <QIODevice>
#include <QSplitter>
#include <QVBoxLayout>

#include <map>

namespace inoculab::ui {

PromptsWorkspace::PromptsWorkspace(SpecDocument *document, QWidget *parent)
    : QWidget(parent),
      m_doc(document),
      m_library(new PromptLibraryPanel(this)),
      m_conditions(new ConditionEditor(document, this)),
      m_preview(new InoculationPreview(document, this)),
      m_elicitation(new ElicitationPanel(document, this)),
      m_columns(new QSplitter(Qt::Horizontal, this)),
      m_rows(new QSplitter(Qt::Vertical, this)) {
    m_columns->addWidget(m_library);
    m_columns->addWidget(m_conditions);
    m_columns->addWidget(m_preview);
    m_rows->addWidget(m_columns);
    m_rows->addWidget(m_elicitation);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addWidget(m_rows);

    connect(m_conditions, &ConditionEditor::currentConditionChanged, m_preview, &InoculationPreview::setCondition);
    connect(m_library, &PromptLibraryPanel::useForCondition, m_conditions, &ConditionEditor::setPrompt);
    connect(m_library, &PromptLibraryPanel::libraryChanged, this, &PromptsWorkspace::updateCandidates);
    connect(m_doc, &SpecDocument::changed, this, &PromptsWorkspace::updateCandidates);
    m_preview->setCondition(m_conditions->currentCondition());
    updateCandidates();
}

void PromptsWorkspace::updateCandidates() {
    // Each distinct prompt once, library prompts first, with the conditions that use it.
    QList<ElicitationPanel::Candidate> candidates;
    std::map<QString, int> index;
    for (const store::PromptRecord &p : m_library->prompts()) {
        QString text = QString::fromStdString(p.text);
        if (index.count(text)) continue;
        index[text] = int(candidates.size());
        candidates.append({text, tr("library")});
    }
    for (const experiment::ConditionSpec &c : m_doc->spec().conditions) {
        if (c.isBaseline()) continue;
        QString text = QString::fromStdString(c.inoculation.prompt), name = QString::fromStdString(c.name);
        auto it = index.find(text);
        if (it == index.end()) {
            index[text] = int(candidates.size());
            candidates.append({text, name});
        } else {
            QString &source = candidates[it->second].source;
            source = source == tr("library") ? name : source + QStringLiteral(", ") + name;
        }
    }
    m_elicitation->setCandidates(candidates);
}

QByteArray PromptsWorkspace::saveState() const {
    QByteArray state;
    QDataStream out(&state, QIODevice::WriteOnly);
    out << m_columns->saveState() << m_rows->saveState();
    return state;
}

void PromptsWorkspace::restoreState(const QByteArray &state) {
    QDataStream in(state);
    QByteArray columns, rows;
    in >> columns >> rows;
    if (in.status() != QDataStream::Ok) return;
    m_restored = m_columns->restoreState(columns) && m_rows->restoreState(rows);
}

void PromptsWorkspace::showEvent(QShowEvent *event) {
    // First shown without saved sizes: give the preview the room it needs. Stretch factors
    // cannot do it, the library table's size hint alone would take half the width.
    if (!m_restored && !m_sized && width() > 0) {
        m_sized = true;
        const int w = m_columns->width(), h = m_rows->height();
        m_columns->setSizes({w * 26 / 100, w * 28 / 100, w * 46 / 100});
        m_rows->setSizes({h * 68 / 100, h * 32 / 100});
    }
    QWidget::showEvent(event);
}

}  // namespace inoculab::ui
