// SHA-256 (OpenSSL EVP) as lowercase hex, for the audit chain, output-file digests and the
// checkpoint key.
#pragma once
#include <openssl/evp.h>

#include <memory>
#include <string>
#include <string_view>

namespace kohort {

// Incremental digest: update() any number of times, then hex() once.
class Sha256 {
public:
    Sha256();
    void update(const void* data, std::size_t bytes);
    void update(std::string_view s) { update(s.data(), s.size()); }
    std::string hex();  // finalises; the object must not be updated afterwards

private:
    std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx_;
};

std::string sha256_hex_of(std::string_view bytes);

}  // namespace kohort
