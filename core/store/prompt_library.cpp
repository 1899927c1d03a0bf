#include "store/prompt_library.h"

#include "store/sqlite_db.h"

#include <sqlite3.h>

#include <algorithm>
#include <stdexcept>

namespace inoculab::store {

namespace {

std::vector<std::string> normalizedTags(std::vector<std::string> tags) {
    std::sort(tags.begin(), tags.end());
    tags.erase(std::unique(tags.begin(), tags.end()), tags.end());
    return tags;
}

void writeTags(Database &db, std::int64_t id, const std::vector<std::string> &tags) {
    db.prepare("DELETE FROM prompt_tags WHERE prompt_id = ?1").bind(1, id).run();
    Statement insert = db.prepare("INSERT INTO prompt_tags (prompt_id, tag) VALUES (?1, ?2)");
    for (const std::string &tag : normalizedTags(tags)) insert.bind(1, id).bind(2, tag).run();
}

std::vector<PromptRecord> readPrompts(Database &db, std::optional<std::int64_t> only) {
    Statement s = db.prepare(
        "SELECT p.id, p.text, p.notes, p.updated_at, "
        "(SELECT group_concat(tag, char(31)) FROM (SELECT tag FROM prompt_tags WHERE prompt_id = p.id ORDER BY tag)) "
        "FROM prompts p WHERE ?1 IS NULL OR p.id = ?1 ORDER BY p.id");
    if (only)
        s.bind(1, *only);
    else
        s.bind(1, std::nullopt);
    std::vector<PromptRecord> out;
    while (s.step()) {
        PromptRecord p;
        p.id = s.integer(0);
        p.text = s.text(1);
        p.notes = s.text(2);
        p.updatedAt = s.text(3);
        // Tags are joined with the unit separator, which checkPrompt keeps out of tags.
        std::string joined = s.optionalText(4).value_or("");
        for (std::size_t start = 0; !joined.empty() && start <= joined.size();) {
            std::size_t end = joined.find('\x1f', start);
            if (end == std::string::npos) end = joined.size();
            p.tags.push_back(joined.substr(start, end - start));
            start = end + 1;
        }
        out.push_back(std::move(p));
    }
    return out;
}

}  // namespace

std::optional<std::string> checkPrompt(const PromptRecord &prompt) {
    if (prompt.text.find_first_not_of(" \t\r\n") == std::string::npos) return "text: must not be empty";
    for (std::size_t i = 0; i < prompt.tags.size(); ++i) {
        const std::string &tag = prompt.tags[i];
        if (tag.empty() || tag.size() > 64 ||
            std::any_of(tag.begin(), tag.end(), [](unsigned char c) { return c < 0x20 || c == ','; }))
            return "tags[" + std::to_string(i) + "]: expected 1 to 64 characters, no commas or control characters";
    }
    return std::nullopt;
}

std::vector<PromptRecord> listPrompts(ResultsStore &store) { return readPrompts(store.database(), std::nullopt); }

std::optional<PromptRecord> findPrompt(ResultsStore &store, std::int64_t id) {
    std::vector<PromptRecord> found = readPrompts(store.database(), id);
    if (found.empty()) return std::nullopt;
    return std::move(found.front());
}

std::int64_t savePrompt(ResultsStore &store, const PromptRecord &prompt) {
    if (auto problem = checkPrompt(prompt)) throw std::invalid_argument(*problem);
    Database &db = store.database();
    Transaction transaction(db);
    std::int64_t id = prompt.id;
    if (id == 0) {
        db.prepare("INSERT INTO prompts (text, notes) VALUES (?1, ?2)")
            .bind(1, prompt.text)
            .bind(2, prompt.notes)
            .run();
        id = db.lastInsertId();
    } else {
        db.prepare(
              "UPDATE prompts SET text = ?2, notes = ?3, updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') "
              "WHERE id = ?1")
            .bind(1, id)
            .bind(2, prompt.text)
            .bind(3, prompt.notes)
            .run();
        if (sqlite3_changes(db.handle()) == 0)
            throw StoreError("prompt " + std::to_string(id) + " is not in the store", SQLITE_NOTFOUND);
    }
    writeTags(db, id, prompt.tags);
    transaction.commit();
    return id;
}

std::int64_t duplicatePrompt(ResultsStore &store, std::int64_t id) {
    std::optional<PromptRecord> original = findPrompt(store, id);
    if (!original) throw StoreError("prompt " + std::to_string(id) + " is not in the store", SQLITE_NOTFOUND);
    original->id = 0;
    return savePrompt(store, *original);
}

void deletePrompt(ResultsStore &store, std::int64_t id) {
    store.database().prepare("DELETE FROM prompts WHERE id = ?1").bind(1, id).run();
}

}  // namespace inoculab::store
