#include "experiment/base_model_identity.h"

#include "common/atomic_file.h"
#include "common/sha256.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace inoculab::experiment {

namespace fs = std::filesystem;

namespace {

// A file's SHA-256, from the digest cache when the file's path, size and modification time
// are those the cached digest was taken of. A cache entry that is unreadable or stale is
// recomputed and replaced; a cache that cannot be written costs only the time.
std::string fileDigest(const std::string &file, const std::string &digestCache) {
    const std::string path = fs::absolute(file).lexically_normal().string();
    std::error_code error;
    const auto size = fs::file_size(path, error);
    const auto mtime = fs::last_write_time(path, error).time_since_epoch().count();
    if (error || digestCache.empty()) return common::sha256File(path);
    const fs::path entry = fs::path(digestCache) / (common::sha256Hex(path).substr(0, 32) + ".json");
    {
        std::ifstream in(entry);
        nlohmann::json cached = nlohmann::json::parse(in, nullptr, false);
        if (cached.is_object() && cached.value("path", "") == path && cached.value("size", std::uintmax_t(0)) == size &&
            cached.value("mtime", decltype(mtime)(0)) == mtime && cached.contains("sha256") &&
            cached["sha256"].is_string())
            return cached["sha256"].get<std::string>();
    }
    const std::string digest = common::sha256File(path);
    try {
        fs::create_directories(digestCache);
        common::AtomicFileWriter out(entry.string());
        out.write(nlohmann::json{{"path", path}, {"size", size}, {"mtime", mtime}, {"sha256", digest}}.dump());
        out.commit();
    } catch (const std::exception &) {
        // Read-only cache: the digest is still right, only not kept.
    }
    return digest;
}

}  // namespace

std::string contentHash(const BaseModelIdentity &identity, const std::string &digestCache) {
    std::ostringstream list;
    for (const std::string &file : identity.files)
        list << fs::path(file).filename().string() << ' ' << fileDigest(file, digestCache) << '\n';
    return common::sha256Hex(list.str());
}

}  // namespace inoculab::experiment
