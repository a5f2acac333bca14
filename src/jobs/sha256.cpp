#include "jobs/sha256.hpp"

#include "core/error.hpp"

namespace kohort {

Sha256::Sha256() : ctx_(EVP_MD_CTX_new(), EVP_MD_CTX_free) {
    if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1)
        throw InternalError("OpenSSL could not start a SHA-256 digest");
}

void Sha256::update(const void* data, std::size_t bytes) {
    if (EVP_DigestUpdate(ctx_.get(), data, bytes) != 1) throw InternalError("OpenSSL SHA-256 update failed");
}

std::string Sha256::hex() {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(ctx_.get(), md, &len) != 1) throw InternalError("OpenSSL SHA-256 final failed");
    static constexpr char digits[] = "0123456789abcdef";
    std::string out(2 * len, '0');
    for (unsigned i = 0; i < len; ++i) {
        out[2 * i] = digits[md[i] >> 4];
        out[2 * i + 1] = digits[md[i] & 15];
    }
    return out;
}

std::string sha256_hex_of(std::string_view bytes) {
    Sha256 h;
    h.update(bytes);
    return h.hex();
}

}  // namespace kohort
