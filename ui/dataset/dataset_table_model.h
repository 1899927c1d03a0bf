#pragma once
// DatasetTableModel: a table over a JSONL dataset of any size. Holds only the row-offset
// index; each row is read and parsed when a view asks for it, and the last few hundred
// parsed rows are cached.
#include "data/conversation.h"
#include "data/dataset_format.h"
#include "data/jsonl_index.h"

#include <QAbstractTableModel>
#include <QCache>

#include <memory>
#include <optional>

namespace inoculab::data {
class RecordParser;
}

namespace inoculab::ui {

class DatasetTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { RowColumn, LineColumn, TurnsColumn, SystemColumn, UserColumn, AssistantColumn, ColumnCount };

    explicit DatasetTableModel(QObject *parent = nullptr);
    ~DatasetTableModel() override;

    // Takes over a built index; the model shows its rows.
    void setDataset(data::JsonlIndex index, data::DatasetFormat format);
    void clear();
    bool hasDataset() const { return m_index.has_value(); }
    QString path() const;
    data::DatasetFormat format() const { return m_format; }

    // The parsed row, or the reason it cannot be parsed ("line 12: no assistant turn").
    struct ParsedRow {
        data::Conversation conversation;
        QString problem;
        std::uint64_t line = 0;
    };
    const ParsedRow &parsedRow(int row) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::optional<data::JsonlIndex> m_index;
    data::DatasetFormat m_format = data::DatasetFormat::Messages;
    std::unique_ptr<data::RecordParser> m_parser;
    mutable QCache<int, ParsedRow> m_cache{512};
};

}  // namespace inoculab::ui
