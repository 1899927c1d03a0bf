#pragma once
// Thin RAII wrappers over the SQLite C API: a connection and prepared statements. Every
// query in the store goes through Statement (prepared, bound parameters; no SQL built from
// values), and every failure becomes a StoreError carrying SQLite's message.
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace inoculab::store {

class StoreError : public std::runtime_error {
public:
    StoreError(const std::string &message, int code) : std::runtime_error(message), m_code(code) {}
    int code() const { return m_code; }  // SQLite's primary result code

private:
    int m_code;
};

class Statement;

class Database {
public:
    enum class Mode { ReadOnly, ReadWrite, ReadWriteCreate };
    // Opens without touching the file's content; callers check it before writing.
    Database(const std::string &path, Mode mode);
    ~Database();
    Database(const Database &) = delete;
    Database &operator=(const Database &) = delete;
    Database(Database &&other) noexcept;

    const std::string &path() const { return m_path; }
    sqlite3 *handle() const { return m_db; }

    // Runs SQL without parameters (schema, pragmas, BEGIN/COMMIT).
    void exec(std::string_view sql);
    Statement prepare(std::string_view sql);
    std::int64_t lastInsertId() const;
    std::int64_t pragmaInt(std::string_view pragma);

private:
    [[noreturn]] void fail(int code, std::string_view what) const;
    std::string m_path;
    sqlite3 *m_db = nullptr;
    friend class Statement;
};

// A transaction committed by commit(); rolled back if destroyed before (an exception).
class Transaction {
public:
    // IMMEDIATE takes the write lock at once, so a writer never fails half-way on BUSY.
    explicit Transaction(Database &db, bool immediate = true);
    ~Transaction();
    Transaction(const Transaction &) = delete;
    Transaction &operator=(const Transaction &) = delete;
    void commit();

private:
    Database &m_db;
    bool m_open = true;
};

class Statement {
public:
    Statement(Database &db, std::string_view sql);
    ~Statement();
    Statement(Statement &&other) noexcept;
    Statement(const Statement &) = delete;
    Statement &operator=(const Statement &) = delete;

    // Parameters are 1-based, as in SQL. Return *this to chain.
    Statement &bind(int index, std::int64_t value);
    Statement &bind(int index, double value);
    Statement &bind(int index, std::string_view text);
    Statement &bind(int index, const std::string &text) { return bind(index, std::string_view(text)); }
    Statement &bind(int index, const char *text) { return bind(index, std::string_view(text)); }
    Statement &bind(int index, std::nullopt_t);
    Statement &bind(int index, const std::optional<std::string> &text);
    Statement &bind(int index, const std::optional<std::int64_t> &value) {
        return value ? bind(index, *value) : bind(index, std::nullopt);
    }
    Statement &bindInt(int index, std::uint64_t value) { return bind(index, static_cast<std::int64_t>(value)); }

    // Advances; true while a row is available.
    bool step();
    // Runs a statement that returns no rows, then resets it for reuse.
    void run();
    // Ready to run again; bound parameters keep their values.
    void reset();

    bool isNull(int column) const;
    std::int64_t integer(int column) const;
    double real(int column) const;
    std::string text(int column) const;
    std::optional<std::string> optionalText(int column) const;

private:
    Database *m_db;
    sqlite3_stmt *m_stmt = nullptr;
};

}  // namespace inoculab::store
