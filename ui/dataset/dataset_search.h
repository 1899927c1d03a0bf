#pragma once
// Dataset search: which rows of a dataset file contain a text (substring or regular
// expression), in any message or in messages of one role. Runs over the file in one
// sequential pass, so it is meant for a background thread (see DatasetWorkspace).
#include "common/progress.h"
#include "data/conversation.h"
#include "data/dataset_format.h"

#include <QRegularExpression>
#include <QString>

#include <optional>
#include <string>
#include <vector>

namespace inoculab::ui {

struct SearchQuery {
    QString text;
    bool regex = false;
    bool caseSensitive = false;
    std::optional<data::Role> role;  // nullopt: any message
};

struct SearchResult {
    std::vector<int> rows;  // matching rows, ascending
    std::uint64_t rowsScanned = 0;
    QString error;  // the file could not be read
    bool cancelled = false;
};

// A compiled query; matches() may be called from any thread.
class SearchMatcher {
public:
    explicit SearchMatcher(const SearchQuery &query);
    // Empty when the query is usable, else why not ("missing )" for a bad pattern).
    QString error() const { return m_error; }
    bool matches(const data::Conversation &conversation) const;
    // For rows that do not parse: only "any role" searches look at the raw line.
    bool matchesRawLine(std::string_view line) const;

private:
    bool matchesText(std::string_view text) const;

    SearchQuery m_query;
    QString m_error;
    std::string m_needle;  // UTF-8; ASCII-lowercased unless case-sensitive
    QRegularExpression m_regex;
};

// Scans the file; stops early (cancelled = true) when the token is set.
SearchResult searchDataset(const std::string &path, data::DatasetFormat format, const SearchMatcher &matcher,
                           const common::CancelToken &cancel, const common::ProgressFn &progress);

}  // namespace inoculab::ui
