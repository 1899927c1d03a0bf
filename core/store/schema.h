#pragma once
// The results store's schema as a list of migrations. PRAGMA user_version holds the number
// of the last migration applied; opening a store applies the missing ones in order, each in
// its own transaction, so a store is always at some whole version.
#include "store/sqlite_db.h"

#include <span>
#include <string_view>

namespace inoculab::store {

struct Migration {
    int version;  // user_version after this migration; consecutive from 1
    std::string_view description;
    std::string_view sql;
    // Rebuilds a table other tables reference (SQLite cannot change a UNIQUE constraint in
    // place): run with foreign keys off, so dropping the old table deletes nothing that
    // references it, and checked with foreign_key_check before it commits.
    bool rebuildsTables = false;
};

// Every migration this build knows, oldest first.
std::span<const Migration> storeMigrations();
int currentSchemaVersion();

// Applies the migrations above the store's user_version. Throws StoreError (and leaves the
// store at its last whole version) if one fails.
void migrate(Database &db, std::span<const Migration> migrations);

}  // namespace inoculab::store
