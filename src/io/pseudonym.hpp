// CPR number -> pid: pid = (first 8 bytes of HMAC-SHA256(project key, ten CPR digits), read as a
// big-endian uint64) >> 1. The shift makes a non-negative 63-bit int64 whose top bits are uniform,
// which the store's pid-bucket partitioning relies on (store.hpp). HMAC: RFC 2104; SHA-256: FIPS 180-4.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "io/project_key.hpp"

typedef struct evp_mac_st EVP_MAC;
typedef struct evp_mac_ctx_st EVP_MAC_CTX;

namespace kohort::io {

using Digest = std::array<unsigned char, 32>;

// One-shot HMAC-SHA256 (OpenSSL EVP_MAC).
Digest hmac_sha256(const unsigned char* key, std::size_t key_len, const unsigned char* data, std::size_t len);

std::int64_t pid_from_digest(const Digest& d);

// Keyed pid maker. Not thread-safe: make one per thread.
class Pseudonymiser {
public:
    explicit Pseudonymiser(const ProjectKey& key);
    ~Pseudonymiser();
    Pseudonymiser(const Pseudonymiser&) = delete;
    Pseudonymiser& operator=(const Pseudonymiser&) = delete;

    std::int64_t pid(const std::array<char, 10>& canonical_cpr);
    // HMAC-SHA256(key, data) with the same keyed state (record keys, jobs/cell_key.hpp).
    Digest mac(const unsigned char* data, std::size_t len);

private:
    EVP_MAC* mac_ = nullptr;
    EVP_MAC_CTX* ctx_ = nullptr;
};

// Two rows whose pids agree although their CPR numbers differ (0-based row indices, a < b).
struct PidCollision {
    std::size_t row_a;
    std::size_t row_b;
};

// Looks for different CPR numbers (given as cpr_as_number) that share a pid. Rows with the same CPR
// sharing a pid are expected (a person with several records). Returns the collision whose later row
// comes first in the file, so the report does not depend on sort internals.
std::optional<PidCollision> find_pid_collision(const std::vector<std::int64_t>& pids,
                                               const std::vector<std::uint64_t>& cpr_numbers);

}  // namespace kohort::io
