#pragma once
// PromptsWorkspace: author inoculation prompts. The library (kept in the store), the open
// experiment's conditions with their placement options, a live preview of a training row
// under the selected condition, and the elicitation check of every candidate prompt.
#include <QWidget>

class QSplitter;

namespace inoculab::ui {

class ConditionEditor;
class ElicitationPanel;
class InoculationPreview;
class PromptLibraryPanel;
class SpecDocument;

class PromptsWorkspace : public QWidget {
    Q_OBJECT
public:
    PromptsWorkspace(SpecDocument *document, QWidget *parent = nullptr);

    PromptLibraryPanel *library() const { return m_library; }
    ConditionEditor *conditions() const { return m_conditions; }
    InoculationPreview *preview() const { return m_preview; }
    ElicitationPanel *elicitation() const { return m_elicitation; }

    QByteArray saveState() const;
    void restoreState(const QByteArray &state);

protected:
    void showEvent(QShowEvent *event) override;

private:
    void updateCandidates();

    SpecDocument *m_doc;
    PromptLibraryPanel *m_library;
    ConditionEditor *m_conditions;
    InoculationPreview *m_preview;
    ElicitationPanel *m_elicitation;
    QSplitter *m_columns;
    QSplitter *m_rows;
    bool m_restored = false;  // the user's own splitter sizes were restored
    bool m_sized = false;
};

}  // namespace inoculab::ui
