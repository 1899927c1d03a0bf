#pragma once
// ConditionEditor: the spec's conditions and, for the selected one, its prompt and every
// placement option of the inoculation transform. Each change is an undoable spec edit.
#include <QWidget>

class QComboBox;
class QDoubleSpinBox;
class QLineEdit;
class QPlainTextEdit;
class QSpinBox;
class QTableWidget;

namespace inoculab::ui {

class SpecDocument;

class ConditionEditor : public QWidget {
    Q_OBJECT
public:
    explicit ConditionEditor(SpecDocument *document, QWidget *parent = nullptr);

    int currentCondition() const { return m_current; }
    void selectCondition(int index);
    QTableWidget *table() const { return m_table; }
    QPlainTextEdit *promptEditor() const { return m_prompt; }
    // Sets the selected condition's prompt (from the library), as one undoable edit.
    void setPrompt(const QString &text);

Q_SIGNALS:
    void currentConditionChanged(int index);

private:
    void refresh();
    void showCurrent();
    void commit(const QString &field);

    SpecDocument *m_doc;
    int m_current = -1;
    bool m_updating = false;
    QTableWidget *m_table;
    QLineEdit *m_name;
    QPlainTextEdit *m_prompt;
    QComboBox *m_placement;
    QComboBox *m_onExisting;
    QComboBox *m_turns;
    QLineEdit *m_separator;
    QDoubleSpinBox *m_fraction;
    QSpinBox *m_seed;
};

}  // namespace inoculab::ui
