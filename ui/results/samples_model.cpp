#include "results/samples_model.h"

#include "store/results_store.h"

#include <QBrush>
#include <QColor>

namespace inoculab::ui {

QString scoreText(const store::SampleScore &s) {
    if (!s.judged) return s.value ? QString::number(*s.value, 'f', 2) : QString();
    if (!s.judgeScore) return QObject::tr("undefined");
    QString judge = QString::number(*s.judgeScore, 'f', 1);
    if (s.dropped) return QObject::tr("dropped %1").arg(judge);
    if (!s.value) return judge;
    if (*s.value == 0.0 || *s.value == 1.0) return (*s.value > 0 ? QObject::tr("yes %1") : QObject::tr("no %1")).arg(judge);
    return QStringLiteral("%1 (%2)").arg(QString::number(*s.value, 'f', 2), judge);
}

SamplesModel::SamplesModel(QObject *parent) : QAbstractTableModel(parent), m_job(this) {}

void SamplesModel::setQuery(const QString &storePath, std::int64_t experimentId, const store::SampleFilter &filter,
                            const QStringList &traits) {
    beginResetModel();
    m_job.cancel();
    m_storePath = storePath;
    m_experiment = experimentId;
    m_filter = filter;
    m_traits = traits;
    m_rows.clear();
    m_complete = false;
    m_error.clear();
    endResetModel();
    fetchMore();
}

void SamplesModel::clear() {
    beginResetModel();
    m_job.cancel();
    m_rows.clear();
    m_traits.clear();
    m_complete = true;
    m_error.clear();
    endResetModel();
}

const store::SampleRow *SamplesModel::row(int index) const {
    return index >= 0 && index < static_cast<int>(m_rows.size()) ? &m_rows[static_cast<std::size_t>(index)] : nullptr;
}

int SamplesModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_rows.size());
}

int SamplesModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : answerColumn() + 1;
}

bool SamplesModel::canFetchMore(const QModelIndex &parent) const {
    return !parent.isValid() && !m_complete && !m_job.isRunning() && !m_storePath.isEmpty();
}

void SamplesModel::fetchMore(const QModelIndex &parent) {
    if (!canFetchMore(parent)) return;
    store::SampleFilter page = m_filter;
    page.limit = kPageRows;
    page.offset = static_cast<std::int64_t>(m_rows.size());
    const std::string path = m_storePath.toStdString();
    const std::int64_t experiment = m_experiment;
    struct Page {
        std::vector<store::SampleRow> rows;
        QString error;
    };
    m_job.start<Page>(
        [path, experiment, page](const common::CancelToken &, const common::ProgressFn &) {
            Page out;
            try {
                store::ResultsStore s = store::ResultsStore::open(path, store::ResultsStore::Access::ReadOnly);
                out.rows = store::evaluationSamples(s, experiment, page);
            } catch (const std::exception &e) {
                out.error = QString::fromUtf8(e.what());
            }
            return out;
        },
        [this](Page result) {
            if (!result.error.isEmpty()) {
                m_error = result.error;
                m_complete = true;
            } else {
                m_complete = static_cast<std::int64_t>(result.rows.size()) < kPageRows;
                if (!result.rows.empty()) {
                    const int first = static_cast<int>(m_rows.size());
                    beginInsertRows({}, first, first + static_cast<int>(result.rows.size()) - 1);
                    for (store::SampleRow &r : result.rows) m_rows.push_back(std::move(r));
                    endInsertRows();
                }
            }
            Q_EMIT pageLoaded();
        });
}

QVariant SamplesModel::data(const QModelIndex &index, int role) const {
    const store::SampleRow *r = row(index.row());
    if (!r) return {};
    const int column = index.column();
    if (role == Qt::DisplayRole || role == Qt::ToolTipRole) {
        auto oneLine = [&](const std::string &text) {
            QString s = QString::fromStdString(text);
            if (role == Qt::DisplayRole) s.replace(QLatin1Char('\n'), QStringLiteral(" ⏎ "));
            return s;
        };
        if (column == questionColumn()) return oneLine(r->question);
        if (column == answerColumn()) return oneLine(r->answer);
        switch (column) {
            case ConditionColumn: return QString::fromStdString(r->condition);
            case SeedColumn: return QVariant::fromValue<qulonglong>(r->seed);
            case StepColumn: return QVariant::fromValue<qlonglong>(r->step);
            case ContextColumn: return QString::fromStdString(r->context);
            default: {
                std::size_t t = static_cast<std::size_t>(column - LeadingColumns);
                return t < r->scores.size() ? scoreText(r->scores[t]) : QVariant();
            }
        }
    }
    const bool scoreColumn = column >= LeadingColumns && column < questionColumn();
    if (role == Qt::ForegroundRole && scoreColumn) {
        std::size_t t = static_cast<std::size_t>(column - LeadingColumns);
        // Undefined and dropped verdicts are not in the rate: shown, but greyed.
        if (t < r->scores.size() && r->scores[t].judged && !r->scores[t].value) return QBrush(QColor(0x80, 0x80, 0x80));
    }
    if (role == Qt::TextAlignmentRole && (column == SeedColumn || column == StepColumn || scoreColumn))
        return int(Qt::AlignRight | Qt::AlignVCenter);
    return {};
}

QVariant SamplesModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return QAbstractTableModel::headerData(section, orientation, role);
    if (section == questionColumn()) return tr("Question");
    if (section == answerColumn()) return tr("Answer");
    switch (section) {
        case ConditionColumn: return tr("Condition");
        case SeedColumn: return tr("Seed");
        case StepColumn: return tr("Step");
        case ContextColumn: return tr("Context");
        default: return section - LeadingColumns < m_traits.size() ? m_traits[section - LeadingColumns] : QVariant();
    }
}

}  // namespace inoculab::ui
