#include "dataset/filtered_rows_model.h"

#include <algorithm>

namespace inoculab::ui {

FilteredRowsModel::FilteredRowsModel(QObject *parent) : QAbstractProxyModel(parent) {}

void FilteredRowsModel::setSourceModel(QAbstractItemModel *source) {
    beginResetModel();
    if (sourceModel()) sourceModel()->disconnect(this);
    QAbstractProxyModel::setSourceModel(source);
    m_filtered = false;
    m_rows.clear();
    if (source) {
        // A new dataset invalidates any row list: go back to showing everything.
        connect(source, &QAbstractItemModel::modelAboutToBeReset, this, [this] { beginResetModel(); });
        connect(source, &QAbstractItemModel::modelReset, this, [this] {
            m_filtered = false;
            m_rows.clear();
            endResetModel();
        });
        connect(source, &QAbstractItemModel::dataChanged, this,
                [this](const QModelIndex &topLeft, const QModelIndex &bottomRight, const QList<int> &roles) {
                    if (!m_filtered) {
                        Q_EMIT dataChanged(mapFromSource(topLeft), mapFromSource(bottomRight), roles);
                        return;
                    }
                    // Source rows are sparse here; one signal over the whole width is simplest.
                    if (rowCount() > 0)
                        Q_EMIT dataChanged(index(0, 0), index(rowCount() - 1, columnCount() - 1), roles);
                });
        connect(source, &QAbstractItemModel::headerDataChanged, this, &QAbstractItemModel::headerDataChanged);
    }
    endResetModel();
}

void FilteredRowsModel::setRows(std::vector<int> rows) {
    beginResetModel();
    m_rows = std::move(rows);
    m_filtered = true;
    endResetModel();
}

void FilteredRowsModel::showAll() {
    if (!m_filtered) return;
    beginResetModel();
    m_rows.clear();
    m_rows.shrink_to_fit();
    m_filtered = false;
    endResetModel();
}

QModelIndex FilteredRowsModel::mapToSource(const QModelIndex &proxy) const {
    if (!proxy.isValid() || !sourceModel()) return {};
    int row = m_filtered ? m_rows[std::size_t(proxy.row())] : proxy.row();
    return sourceModel()->index(row, proxy.column());
}

QModelIndex FilteredRowsModel::mapFromSource(const QModelIndex &source) const {
    if (!source.isValid()) return {};
    if (!m_filtered) return createIndex(source.row(), source.column());
    auto at = std::lower_bound(m_rows.begin(), m_rows.end(), source.row());
    if (at == m_rows.end() || *at != source.row()) return {};
    return createIndex(int(at - m_rows.begin()), source.column());
}

QModelIndex FilteredRowsModel::index(int row, int column, const QModelIndex &parent) const {
    if (parent.isValid() || row < 0 || column < 0 || row >= rowCount() || column >= columnCount()) return {};
    return createIndex(row, column);
}

QModelIndex FilteredRowsModel::parent(const QModelIndex &) const { return {}; }

QModelIndex FilteredRowsModel::sibling(int row, int column, const QModelIndex &) const { return index(row, column); }

int FilteredRowsModel::rowCount(const QModelIndex &parent) const {
    if (parent.isValid() || !sourceModel()) return 0;
    return m_filtered ? int(m_rows.size()) : sourceModel()->rowCount();
}

int FilteredRowsModel::columnCount(const QModelIndex &parent) const {
    if (parent.isValid() || !sourceModel()) return 0;
    return sourceModel()->columnCount();
}

}  // namespace inoculab::ui
