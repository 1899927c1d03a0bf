#include "common/sha256.h"

#include "common/input_error.h"

#include <openssl/evp.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

namespace inoculab::common {

namespace {

// OpenSSL's EVP interface (libcrypto): the maintained, hardware-accelerated implementation.
class Digest {
public:
    Digest() : m_ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free) {
        if (!m_ctx || EVP_DigestInit_ex(m_ctx.get(), EVP_sha256(), nullptr) != 1)
            throw std::runtime_error("SHA-256 is not available from libcrypto");
    }
    void update(const void *data, std::size_t size) { EVP_DigestUpdate(m_ctx.get(), data, size); }
    std::string hex() {
        unsigned char digest[EVP_MAX_MD_SIZE];
        unsigned int length = 0;
        EVP_DigestFinal_ex(m_ctx.get(), digest, &length);
        static const char kHex[] = "0123456789abcdef";
        std::string out;
        for (unsigned int i = 0; i < length; ++i) {
            out += kHex[digest[i] >> 4];
            out += kHex[digest[i] & 15];
        }
        return out;
    }

private:
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> m_ctx;
};

}  // namespace

std::string sha256Hex(std::string_view bytes) {
    Digest digest;
    digest.update(bytes.data(), bytes.size());
    return digest.hex();
}

std::string sha256File(const std::string &path) {
    std::unique_ptr<std::FILE, decltype(&std::fclose)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
    if (!file) throw InputError(path, 0, std::strerror(errno));
    Digest digest;
    std::vector<char> buffer(1u << 20);
    std::size_t got;
    while ((got = std::fread(buffer.data(), 1, buffer.size(), file.get())) > 0) digest.update(buffer.data(), got);
    if (std::ferror(file.get())) throw InputError(path, 0, std::string("read error: ") + std::strerror(errno));
    return digest.hex();
}

}  // namespace inoculab::common
