#pragma once
// Checks an existing file before SQLite may write to it: is it an SQLite database at all,
// and is it as long as its own header says? Both read only the first 100 bytes.
#include <string>

namespace inoculab::store {

// Throws common::InputError naming the file and the reason. A missing or empty file passes
// (it becomes a new store).
void checkStoreFile(const std::string &path);

}  // namespace inoculab::store
