#pragma once
// DatasetWorkspace: browse a dataset's rows and see each one as the model will be trained
// on it, before and after an inoculation prompt is applied.
#include "data/inoculation.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QTableView;

namespace inoculab::ui {

class ConversationView;
class DatasetTableModel;

class DatasetWorkspace : public QWidget {
    Q_OBJECT
public:
    explicit DatasetWorkspace(QWidget *parent = nullptr);

    DatasetTableModel *model() const { return m_model; }
    QTableView *table() const { return m_table; }
    ConversationView *conversationView() const { return m_view; }

    void selectRow(int row);
    // The options the preview panel describes (empty prompt: no preview).
    data::InoculationOptions previewOptions() const;
    void setPreview(const QString &prompt, data::Placement placement);

private:
    void showCurrentRow();

    DatasetTableModel *m_model;
    QTableView *m_table;
    ConversationView *m_view;
    QLabel *m_rowSummary;
    QCheckBox *m_previewEnabled;
    QLineEdit *m_prompt;
    QComboBox *m_placement;
    QComboBox *m_onExistingSystem;
};

}  // namespace inoculab::ui
