#pragma once
// SamplesModel: the evaluation answers of one experiment as a table, read from the store in
// pages of kPageRows in the background (BackgroundJob) as the view scrolls, so a store with
// millions of answers opens at once and holds only what was scrolled through. A new filter
// starts over; a page of a superseded filter is dropped.
#include "dataset/background_job.h"
#include "store/sample_queries.h"

#include <QAbstractTableModel>
#include <QStringList>

#include <vector>

namespace inoculab::ui {

class SamplesModel : public QAbstractTableModel {
    Q_OBJECT
public:
    static constexpr std::int64_t kPageRows = 2000;
    // Columns: condition, seed, step, context, one per trait (spec order), question, answer:
    // the scores stay in view beside the model, the long texts take what width is left.
    enum Column { ConditionColumn, SeedColumn, StepColumn, ContextColumn, LeadingColumns };
    int traitColumn(int trait) const { return LeadingColumns + trait; }
    int questionColumn() const { return LeadingColumns + static_cast<int>(m_traits.size()); }
    int answerColumn() const { return questionColumn() + 1; }

    explicit SamplesModel(QObject *parent = nullptr);

    // Shows the answers of `experimentId` in the store that match `filter` (its limit and
    // offset are the model's own); `traits` name the score columns, in spec order.
    void setQuery(const QString &storePath, std::int64_t experimentId, const store::SampleFilter &filter,
                  const QStringList &traits);
    void clear();
    const store::SampleRow *row(int index) const;
    QString storePath() const { return m_storePath; }
    bool isLoading() const { return m_job.isRunning(); }
    bool isComplete() const { return m_complete; }
    QString error() const { return m_error; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    bool canFetchMore(const QModelIndex &parent = {}) const override;
    void fetchMore(const QModelIndex &parent = {}) override;

Q_SIGNALS:
    void pageLoaded();  // after each page (or the error that stopped loading)

private:
    QString m_storePath;
    std::int64_t m_experiment = 0;
    store::SampleFilter m_filter;
    QStringList m_traits;
    std::vector<store::SampleRow> m_rows;
    bool m_complete = true;
    QString m_error;
    BackgroundJob m_job;
};

// A judged score's cell: "yes 42.9" / "no 87.1" (threshold), "0.43 (42.9)" (no threshold),
// "undefined", "dropped 42.9"; a rule score's: "0.97".
QString scoreText(const store::SampleScore &score);

}  // namespace inoculab::ui
