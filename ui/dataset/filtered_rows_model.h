#pragma once
// FilteredRowsModel: shows either every row of its source or only a given list of source
// rows (search results). Unlike QSortFilterProxyModel it never asks the source for data to
// decide, so filtering a million-row dataset costs nothing beyond the row list itself.
#include <QAbstractProxyModel>

#include <vector>

namespace inoculab::ui {

class FilteredRowsModel : public QAbstractProxyModel {
    Q_OBJECT
public:
    explicit FilteredRowsModel(QObject *parent = nullptr);

    void setSourceModel(QAbstractItemModel *source) override;
    // `rows` are source rows in ascending order.
    void setRows(std::vector<int> rows);
    void showAll();
    bool isFiltered() const { return m_filtered; }

    QModelIndex mapToSource(const QModelIndex &proxy) const override;
    QModelIndex mapFromSource(const QModelIndex &source) const override;
    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QModelIndex sibling(int row, int column, const QModelIndex &index) const override;

private:
    bool m_filtered = false;
    std::vector<int> m_rows;
};

}  // namespace inoculab::ui
