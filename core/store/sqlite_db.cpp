#include "store/sqlite_db.h"

#include <sqlite3.h>

#include <utility>

namespace inoculab::store {

Database::Database(const std::string &path, Mode mode) : m_path(path) {
    int flags = SQLITE_OPEN_NOMUTEX;  // one connection per thread; no shared-cache locking
    switch (mode) {
    case Mode::ReadOnly: flags |= SQLITE_OPEN_READONLY; break;
    case Mode::ReadWrite: flags |= SQLITE_OPEN_READWRITE; break;
    case Mode::ReadWriteCreate: flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE; break;
    }
    int rc = sqlite3_open_v2(path.c_str(), &m_db, flags, nullptr);
    if (rc != SQLITE_OK) {
        std::string message = m_db ? sqlite3_errmsg(m_db) : sqlite3_errstr(rc);
        sqlite3_close(m_db);
        m_db = nullptr;
        throw StoreError(message, rc);
    }
    sqlite3_extended_result_codes(m_db, 0);
    // A writer holds the lock for one short transaction; waiting beats failing with BUSY.
    sqlite3_busy_timeout(m_db, 10000);
}

Database::~Database() {
    if (m_db) sqlite3_close_v2(m_db);
}

Database::Database(Database &&other) noexcept
    : m_path(std::move(other.m_path)), m_db(std::exchange(other.m_db, nullptr)) {}

void Database::fail(int code, std::string_view what) const {
    throw StoreError(std::string(what) + ": " + sqlite3_errmsg(m_db), code);
}

void Database::exec(std::string_view sql) {
    std::string text(sql);
    char *error = nullptr;
    int rc = sqlite3_exec(m_db, text.c_str(), nullptr, nullptr, &error);
    if (rc != SQLITE_OK) {
        std::string message = error ? error : sqlite3_errstr(rc);
        sqlite3_free(error);
        throw StoreError(message, rc);
    }
}

Statement Database::prepare(std::string_view sql) { return Statement(*this, sql); }

std::int64_t Database::lastInsertId() const { return sqlite3_last_insert_rowid(m_db); }

std::int64_t Database::pragmaInt(std::string_view pragma) {
    Statement statement(*this, "PRAGMA " + std::string(pragma));
    return statement.step() ? statement.integer(0) : 0;
}

Transaction::Transaction(Database &db, bool immediate) : m_db(db) {
    m_db.exec(immediate ? "BEGIN IMMEDIATE" : "BEGIN");
}

Transaction::~Transaction() {
    if (!m_open) return;
    try {
        m_db.exec("ROLLBACK");
    } catch (const StoreError &) {
        // SQLite already rolled back (e.g. after a disk-full error); nothing left to undo.
    }
}

void Transaction::commit() {
    m_db.exec("COMMIT");
    m_open = false;
}

Statement::Statement(Database &db, std::string_view sql) : m_db(&db) {
    int rc = sqlite3_prepare_v3(db.m_db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                                &m_stmt, nullptr);
    if (rc != SQLITE_OK) db.fail(rc, "cannot prepare \"" + std::string(sql.substr(0, 60)) + "\"");
}

Statement::~Statement() {
    if (m_stmt) sqlite3_finalize(m_stmt);
}

Statement::Statement(Statement &&other) noexcept : m_db(other.m_db), m_stmt(std::exchange(other.m_stmt, nullptr)) {}

Statement &Statement::bind(int index, std::int64_t value) {
    if (int rc = sqlite3_bind_int64(m_stmt, index, value); rc != SQLITE_OK) m_db->fail(rc, "bind");
    return *this;
}

Statement &Statement::bind(int index, double value) {
    if (int rc = sqlite3_bind_double(m_stmt, index, value); rc != SQLITE_OK) m_db->fail(rc, "bind");
    return *this;
}

Statement &Statement::bind(int index, std::string_view text) {
    int rc = sqlite3_bind_text64(m_stmt, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    if (rc != SQLITE_OK) m_db->fail(rc, "bind");
    return *this;
}

Statement &Statement::bind(int index, std::nullopt_t) {
    if (int rc = sqlite3_bind_null(m_stmt, index); rc != SQLITE_OK) m_db->fail(rc, "bind");
    return *this;
}

Statement &Statement::bind(int index, const std::optional<std::string> &text) {
    return text ? bind(index, std::string_view(*text)) : bind(index, std::nullopt);
}

bool Statement::step() {
    int rc = sqlite3_step(m_stmt);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    sqlite3_reset(m_stmt);
    m_db->fail(rc, "query failed");
}

void Statement::run() {
    while (step()) {
    }
    reset();
}

void Statement::reset() {
    // Bindings stay: a statement run per item rebinds what changes and keeps the rest.
    sqlite3_reset(m_stmt);
}

bool Statement::isNull(int column) const { return sqlite3_column_type(m_stmt, column) == SQLITE_NULL; }

std::int64_t Statement::integer(int column) const { return sqlite3_column_int64(m_stmt, column); }

double Statement::real(int column) const { return sqlite3_column_double(m_stmt, column); }

std::string Statement::text(int column) const {
    const auto *data = reinterpret_cast<const char *>(sqlite3_column_text(m_stmt, column));
    return data ? std::string(data, static_cast<std::size_t>(sqlite3_column_bytes(m_stmt, column))) : std::string();
}

std::optional<std::string> Statement::optionalText(int column) const {
    if (isNull(column)) return std::nullopt;
    return text(column);
}

}  // namespace inoculab::store
