#pragma once
// PromptLibraryPanel: the candidate prompts kept in the results store, with tags and notes:
// create, duplicate, edit, delete, and hand one to the selected condition.
#include "store/prompt_library.h"

#include <QWidget>

#include <map>
#include <memory>

class QCheckBox;
class QLabel;
class QPlainTextEdit;
class QPushButton;
class QTableWidget;

namespace inoculab::ui {

class PromptLibraryPanel : public QWidget {
    Q_OBJECT
public:
    explicit PromptLibraryPanel(QWidget *parent = nullptr);
    ~PromptLibraryPanel() override;

    // Opens (creating or migrating) the store the library lives in; false with `error` when
    // the file cannot be used. Without a store the panel is disabled.
    bool setStore(const QString &path, QString *error);
    std::vector<store::PromptRecord> prompts() const { return m_prompts; }
    QTableWidget *table() const { return m_table; }
    QPlainTextEdit *textEditor() const { return m_text; }

    void selectPrompt(std::int64_t id);
    std::int64_t selectedId() const;
    // Saves the editor's text, tags and notes into the selected prompt (or a new one).
    bool saveEdits();
    std::int64_t addPrompt(const store::PromptRecord &prompt);
    void duplicateSelected();
    void deleteSelected();

Q_SIGNALS:
    void useForCondition(const QString &text);
    void libraryChanged();
    void failed(const QString &error);

private:
    void reload(std::int64_t select);
    void showSelected();

    std::unique_ptr<store::ResultsStore> m_store;
    std::vector<store::PromptRecord> m_prompts;
    QTableWidget *m_table;
    QPlainTextEdit *m_text;
    QPlainTextEdit *m_notes;
    std::map<std::string, QCheckBox *> m_tags;
    QLabel *m_updated;
};

}  // namespace inoculab::ui
