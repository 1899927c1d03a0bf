#pragma once
// SamplesView: what the models answered. Every evaluation answer of the experiment in a table
// over the store (SamplesModel: pages loaded in the background as it scrolls), filtered by
// condition, seed, step, context, a trait's score range and text; the selected answer in full
// beside it with its scores and, for judged traits, the exact prompt the judge read and the
// distribution it gave.
#include "results/samples_model.h"
#include "store/results_queries.h"

#include <QTimer>
#include <QWidget>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QTableView;
class QTextBrowser;

namespace inoculab::ui {

class SamplesView : public QWidget {
    Q_OBJECT
public:
    explicit SamplesView(QWidget *parent = nullptr);

    // The experiment's names fill the filters; `seeds` are those its runs have.
    void setExperiment(const QString &storePath, std::int64_t experimentId, const store::ExperimentContents &contents,
                       const std::vector<std::uint64_t> &seeds);
    // One model's answers (a chart point, a row of the numbers): condition, and context when not empty.
    void showModel(const QString &condition, const QString &context);

    SamplesModel *model() const { return m_model; }
    QTableView *table() const { return m_table; }
    QTextBrowser *detail() const { return m_detail; }
    QComboBox *conditionChoice() const { return m_condition; }
    QComboBox *contextChoice() const { return m_context; }
    QComboBox *traitChoice() const { return m_trait; }
    QDoubleSpinBox *minimum() const { return m_min; }
    QDoubleSpinBox *maximum() const { return m_max; }
    QLineEdit *search() const { return m_text; }
    // The filter the controls describe.
    store::SampleFilter filter() const;

private:
    void requery();
    void showDetail(int row);
    void updateStatus();

    QString m_storePath;
    std::int64_t m_experiment = 0;
    QStringList m_traits;
    SamplesModel *m_model;
    QComboBox *m_condition, *m_seed, *m_step, *m_context, *m_trait;
    QDoubleSpinBox *m_min, *m_max;
    QLineEdit *m_text;
    QLabel *m_status;
    QTableView *m_table;
    QTextBrowser *m_detail;
    QTimer m_typing;  // the text filter applies once typing pauses
};

}  // namespace inoculab::ui
