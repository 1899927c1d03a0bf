#pragma once
// SHA-256 digests as lowercase hex: the identity of experiment specs and dataset files in
// the results store.
#include <string>
#include <string_view>

namespace inoculab::common {

std::string sha256Hex(std::string_view bytes);

// Streams the file; throws InputError naming it when it cannot be read.
std::string sha256File(const std::string &path);

}  // namespace inoculab::common
