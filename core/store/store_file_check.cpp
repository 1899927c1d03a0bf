#include "store/store_file_check.h"

#include "common/input_error.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>

#include <cstdint>
#include <cstring>

namespace inoculab::store {

namespace {

// https://www.sqlite.org/fileformat.html, "The Database Header".
constexpr char kMagic[16] = {'S', 'Q', 'L', 'i', 't', 'e', ' ', 'f', 'o', 'r', 'm', 'a', 't', ' ', '3', '\0'};
constexpr std::size_t kHeaderBytes = 100;

std::uint32_t bigEndian(const unsigned char *p, int bytes) {
    std::uint32_t value = 0;
    for (int i = 0; i < bytes; ++i) value = (value << 8) | p[i];
    return value;
}

// The first bytes of the file, read through SQLite's own file layer rather than a file of our
// own. Closing any descriptor of a file drops every POSIX lock this process holds on it, the
// locks of its open SQLite connections included (sqlite.org/howtocorrupt.html, 2.2): a GUI that
// opened its store a second time while a worker wrote would then read, and could write, past
// the worker's locks. SQLite keeps such a descriptor open until its locks are released.
bool readThroughSqlite(const std::string &path, unsigned char *buffer, std::size_t bytes) {
    sqlite3 *db = nullptr;
    bool ok = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK;
    sqlite3_file *file = nullptr;
    ok = ok && sqlite3_file_control(db, "main", SQLITE_FCNTL_FILE_POINTER, &file) == SQLITE_OK && file &&
         file->pMethods;
    if (ok) {
        const int rc = file->pMethods->xRead(file, buffer, int(bytes), 0);
        ok = rc == SQLITE_OK || rc == SQLITE_IOERR_SHORT_READ;  // short: the size below tells
    }
    sqlite3_close(db);
    return ok;
}

}  // namespace

void checkStoreFile(const std::string &path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || st.st_size == 0) return;
    auto fail = [&](const std::string &reason) { throw common::InputError(path, 0, reason); };
    if (S_ISDIR(st.st_mode)) fail("is a folder, not a results store");
    unsigned char header[kHeaderBytes] = {};
    const std::size_t got = std::min<std::size_t>(kHeaderBytes, std::size_t(st.st_size));
    if (!readThroughSqlite(path, header, got)) fail("cannot be read");
    if (got < sizeof kMagic || std::memcmp(header, kMagic, sizeof kMagic) != 0)
        fail("not a results store: not an SQLite database");
    if (got < kHeaderBytes) fail("damaged results store: truncated inside its header");

    std::uint64_t pageSize = bigEndian(header + 16, 2);
    if (pageSize == 1) pageSize = 65536;
    std::uint32_t pageCount = bigEndian(header + 28, 4);
    bool pageCountValid = bigEndian(header + 92, 4) == bigEndian(header + 24, 4);
    // In WAL mode the header can run ahead of the file while a checkpoint is writing; the
    // WAL then holds the pages, so only judge a file without a live WAL.
    bool walMode = header[18] == 2 && header[19] == 2;
    struct stat walStat {};
    bool hasWal = walMode && ::stat((path + "-wal").c_str(), &walStat) == 0 && walStat.st_size > 0;
    std::uint64_t expected = pageSize * pageCount;
    if (pageCountValid && !hasWal && expected > std::uint64_t(st.st_size))
        fail("damaged results store: truncated (its header says " + std::to_string(expected) + " bytes, the file has " +
             std::to_string(st.st_size) + ")");
}

}  // namespace inoculab::store
