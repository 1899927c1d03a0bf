#pragma once
// DatasetWorkspace: browse a dataset's rows and see each one as the model will be trained
// on it, before and after an inoculation prompt is applied; search and filter its rows, read
// its statistics and jump to the rows validation complains about. Every whole-file pass
// (search, statistics, validation) runs in the background and can be cancelled.
#include "data/inoculation.h"
#include "dataset/dataset_search.h"

#include <QThreadPool>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSplitter;
class QTableView;

namespace inoculab::ui {

class BackgroundJob;
class ConversationView;
class DatasetStatsPanel;
class DatasetTableModel;
class FilteredRowsModel;
class ValidationPanel;

// Lets a widget (a progress bar) be hidden without giving up its place in the layout.
void keepPlaceWhenHidden(QWidget *widget);

class DatasetWorkspace : public QWidget {
    Q_OBJECT
public:
    explicit DatasetWorkspace(QWidget *parent = nullptr);
    ~DatasetWorkspace() override;

    DatasetTableModel *model() const { return m_model; }
    // What the table shows: all rows of model(), or the current search's matches.
    FilteredRowsModel *filterModel() const { return m_filter; }
    QTableView *table() const { return m_table; }
    ConversationView *conversationView() const { return m_view; }
    ValidationPanel *validationPanel() const { return m_validation; }
    DatasetStatsPanel *statsPanel() const { return m_stats; }

    // `row` is a row of model(); a search filter that hides it is cleared.
    void selectRow(int row);
    // The model() row of the table's current index, or -1.
    int currentRow() const;

    // Filters the table to the rows matching `query` (in the background); the outcome is
    // reported by searchFinished. An unusable query is reported at once and changes nothing.
    void search(const SearchQuery &query);
    void cancelSearch();
    void showAllRows();
    bool isSearching() const;
    QString searchStatus() const;

    // The options the preview panel describes (empty prompt: no preview).
    data::InoculationOptions previewOptions() const;
    void setPreview(const QString &prompt, data::Placement placement);

Q_SIGNALS:
    // matches = -1 when the search failed or was cancelled.
    void searchFinished(int matches);

private:
    void showCurrentRow();
    void datasetChanged();
    void startAnalysis();
    void clearFilter();
    void searchFromControls();
    void showSearchResult(const SearchResult &result);
    QWidget *buildSearchBar();

    QThreadPool m_analysisPool;  // first: the panels below run on it
    DatasetTableModel *m_model;
    FilteredRowsModel *m_filter;
    QTableView *m_table;
    ConversationView *m_view;
    QLabel *m_rowSummary;
    QCheckBox *m_previewEnabled;
    QLineEdit *m_prompt;
    QComboBox *m_placement;
    QComboBox *m_onExistingSystem;

    BackgroundJob *m_searchJob;
    QLineEdit *m_searchText;
    QComboBox *m_searchRole;
    QCheckBox *m_searchRegex;
    QCheckBox *m_searchCase;
    QPushButton *m_searchButton;
    QPushButton *m_showAllButton;
    QProgressBar *m_searchProgress;
    QLabel *m_searchStatus;

    ValidationPanel *m_validation;
    DatasetStatsPanel *m_stats;
    QSplitter *m_mainSplitter;
    QSplitter *m_leftSplitter;
    QSplitter *m_rightSplitter;
    quint64 m_datasetGeneration = 0;
};

}  // namespace inoculab::ui
