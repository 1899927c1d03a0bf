#include "dataset/dataset_search.h"

#include "common/input_error.h"
#include "data/row_scan.h"

#include <algorithm>

namespace inoculab::ui {

namespace {

char asciiLower(char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; }

}  // namespace

SearchMatcher::SearchMatcher(const SearchQuery &query) : m_query(query) {
    if (query.text.isEmpty()) {
        m_error = QObject::tr("Type something to search for.");
        return;
    }
    if (query.regex) {
        m_regex.setPattern(query.text);
        m_regex.setPatternOptions(query.caseSensitive ? QRegularExpression::NoPatternOption
                                                      : QRegularExpression::CaseInsensitiveOption);
        if (!m_regex.isValid())
            m_error = QObject::tr("Invalid regular expression at offset %1: %2")
                          .arg(m_regex.patternErrorOffset())
                          .arg(m_regex.errorString());
        else
            m_regex.optimize();
        return;
    }
    m_needle = query.text.toStdString();
    // Plain search folds ASCII case only, byte by byte, so it never has to decode UTF-8;
    // a case-insensitive regex covers the rest of Unicode.
    if (!query.caseSensitive) std::transform(m_needle.begin(), m_needle.end(), m_needle.begin(), asciiLower);
}

bool SearchMatcher::matchesText(std::string_view text) const {
    if (m_query.regex) return m_regex.match(QString::fromUtf8(text.data(), qsizetype(text.size()))).hasMatch();
    if (m_query.caseSensitive) return text.find(m_needle) != std::string_view::npos;
    return std::search(text.begin(), text.end(), m_needle.begin(), m_needle.end(),
                       [](char a, char b) { return asciiLower(a) == b; }) != text.end();
}

bool SearchMatcher::matches(const data::Conversation &conversation) const {
    for (const data::Message &m : conversation.messages) {
        if (m_query.role && m.role != *m_query.role) continue;
        if (matchesText(m.content)) return true;
    }
    return false;
}

bool SearchMatcher::matchesRawLine(std::string_view line) const { return !m_query.role && matchesText(line); }

SearchResult searchDataset(const std::string &path, data::DatasetFormat format, const SearchMatcher &matcher,
                           const common::CancelToken &cancel, const common::ProgressFn &progress) {
    SearchResult result;
    data::ScanOptions options;
    options.cancel = &cancel;
    options.progress = progress;
    try {
        data::scanRows(
            path, format,
            [&](const data::RowView &row) {
                // The scan itself checks the token only every 16 MB; a new search should
                // not wait for that.
                if (cancel.isCancelled()) {
                    result.cancelled = true;
                    return false;
                }
                ++result.rowsScanned;
                bool hit =
                    row.problems.empty() ? matcher.matches(row.conversation) : matcher.matchesRawLine(row.line.text);
                if (hit) result.rows.push_back(int(row.row));
                return true;
            },
            options);
    } catch (const common::Cancelled &) {
        result.cancelled = true;
    } catch (const std::exception &e) {
        result.error = QString::fromStdString(e.what());
    }
    return result;
}

}  // namespace inoculab::ui
