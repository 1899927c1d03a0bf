#include "dataset/dataset_table_model.h"

#include "common/input_error.h"
#include "data/record_parser.h"

#include <QBrush>
#include <QColor>

namespace inoculab::ui {

namespace {

// A one-line preview of a message, short enough for a table cell.
QString cellText(const std::string &text) {
    // Longer text is elided by the view anyway, and shaping it is what costs in paint.
    constexpr qsizetype kMax = 120;
    QString s = QString::fromUtf8(text.data(), qsizetype(std::min<std::size_t>(text.size(), kMax * 4)));
    s.replace(QLatin1Char('\n'), QStringLiteral(" ⏎ "));
    if (s.size() > kMax) s = s.left(kMax) + QStringLiteral("…");
    return s;
}

const data::Message *firstOf(const data::Conversation &c, data::Role role) {
    for (const data::Message &m : c.messages)
        if (m.role == role) return &m;
    return nullptr;
}

}  // namespace

DatasetTableModel::DatasetTableModel(QObject *parent)
    : QAbstractTableModel(parent), m_parser(std::make_unique<data::RecordParser>()) {}

DatasetTableModel::~DatasetTableModel() = default;

void DatasetTableModel::setDataset(data::JsonlIndex index, data::DatasetFormat format) {
    beginResetModel();
    m_cache.clear();
    m_index.emplace(std::move(index));
    m_format = format;
    endResetModel();
}

void DatasetTableModel::clear() {
    beginResetModel();
    m_cache.clear();
    m_index.reset();
    endResetModel();
}

QString DatasetTableModel::path() const { return m_index ? QString::fromStdString(m_index->path()) : QString(); }

const DatasetTableModel::ParsedRow &DatasetTableModel::parsedRow(int row) const {
    if (ParsedRow *cached = m_cache.object(row)) return *cached;
    auto parsed = std::make_unique<ParsedRow>();
    parsed->line = m_index->lineOfRow(std::uint64_t(row));
    try {
        auto problems = m_parser->parse(m_index->readRow(std::uint64_t(row)), m_format, &parsed->conversation, false);
        if (!problems.empty()) parsed->problem = QString::fromStdString(problems.front().reason);
    } catch (const common::InputError &e) {
        parsed->problem = QString::fromStdString(e.reason());
    }
    ParsedRow *kept = parsed.release();
    m_cache.insert(row, kept);
    return *kept;
}

int DatasetTableModel::rowCount(const QModelIndex &parent) const {
    if (parent.isValid() || !m_index) return 0;
    // QAbstractItemModel counts rows in int; beyond that the table shows the first 2^31-1.
    return int(std::min<std::uint64_t>(m_index->rowCount(), std::uint64_t(std::numeric_limits<int>::max())));
}

int DatasetTableModel::columnCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant DatasetTableModel::data(const QModelIndex &index, int role) const {
    if (!index.isValid() || !m_index) return {};
    if (role != Qt::DisplayRole && role != Qt::ToolTipRole && role != Qt::ForegroundRole) return {};
    const ParsedRow &row = parsedRow(index.row());
    if (role == Qt::ForegroundRole)
        return row.problem.isEmpty() ? QVariant() : QVariant(QBrush(QColor(0xb0, 0x20, 0x20)));
    if (role == Qt::ToolTipRole) return row.problem.isEmpty() ? QVariant() : QVariant(row.problem);
    switch (index.column()) {
        case RowColumn: return index.row();
        case LineColumn: return QVariant::fromValue<qulonglong>(row.line);
        case TurnsColumn: return row.problem.isEmpty() ? QVariant(int(row.conversation.messages.size())) : QVariant();
        case SystemColumn:
            if (!row.problem.isEmpty()) return tr("invalid: %1").arg(row.problem);
            if (const data::Message *m = firstOf(row.conversation, data::Role::System)) return cellText(m->content);
            return {};
        case UserColumn:
            if (const data::Message *m = firstOf(row.conversation, data::Role::User)) return cellText(m->content);
            return {};
        case AssistantColumn:
            if (const data::Message *m = firstOf(row.conversation, data::Role::Assistant)) return cellText(m->content);
            return {};
    }
    return {};
}

QVariant DatasetTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
        case RowColumn: return tr("Row");
        case LineColumn: return tr("Line");
        case TurnsColumn: return tr("Turns");
        case SystemColumn: return tr("System");
        case UserColumn: return tr("User");
        case AssistantColumn: return tr("Assistant");
    }
    return {};
}

}  // namespace inoculab::ui
