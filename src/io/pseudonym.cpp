#include "io/pseudonym.hpp"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <algorithm>
#include <numeric>

#include "core/error.hpp"

namespace kohort::io {

namespace {
[[noreturn]] void openssl_failure(const char* what) {
    char buf[256];
    ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
    throw InternalError(std::string("OpenSSL ") + what + " failed: " + buf);
}

void init_hmac(EVP_MAC_CTX* ctx, const unsigned char* key, std::size_t key_len) {
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                           OSSL_PARAM_construct_end()};
    if (EVP_MAC_init(ctx, key, key_len, params) != 1) openssl_failure("HMAC init");
}
}  // namespace

Digest hmac_sha256(const unsigned char* key, std::size_t key_len, const unsigned char* data, std::size_t len) {
    EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (!mac) openssl_failure("HMAC fetch");
    EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
    Digest out{};
    std::size_t out_len = 0;
    const bool ok = ctx && (init_hmac(ctx, key, key_len), true) && EVP_MAC_update(ctx, data, len) == 1 &&
                    EVP_MAC_final(ctx, out.data(), &out_len, out.size()) == 1 && out_len == out.size();
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
    if (!ok) openssl_failure("HMAC-SHA256");
    return out;
}

std::int64_t pid_from_digest(const Digest& d) {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | d[i];
    return static_cast<std::int64_t>(v >> 1);
}

Pseudonymiser::Pseudonymiser(const ProjectKey& key) {
    mac_ = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (!mac_) openssl_failure("HMAC fetch");
    ctx_ = EVP_MAC_CTX_new(mac_);
    if (!ctx_) {
        EVP_MAC_free(mac_);
        openssl_failure("HMAC context");
    }
    init_hmac(ctx_, key.data(), key.size());
}

Pseudonymiser::~Pseudonymiser() {
    EVP_MAC_CTX_free(ctx_);  // frees (and clears) the keyed state
    EVP_MAC_free(mac_);
}

std::int64_t Pseudonymiser::pid(const std::array<char, 10>& canonical_cpr) {
    return pid_from_digest(mac(reinterpret_cast<const unsigned char*>(canonical_cpr.data()), canonical_cpr.size()));
}

Digest Pseudonymiser::mac(const unsigned char* data, std::size_t len) {
    // A NULL key re-initialises with the key already set (OpenSSL 3 HMAC provider), which saves
    // re-hashing the key for every row.
    Digest out{};
    std::size_t out_len = 0;
    if (EVP_MAC_init(ctx_, nullptr, 0, nullptr) != 1 || EVP_MAC_update(ctx_, data, len) != 1 ||
        EVP_MAC_final(ctx_, out.data(), &out_len, out.size()) != 1 || out_len != out.size())
        openssl_failure("HMAC-SHA256");
    return out;
}

std::optional<PidCollision> find_pid_collision(const std::vector<std::int64_t>& pids,
                                               const std::vector<std::uint64_t>& cpr_numbers) {
    if (pids.size() != cpr_numbers.size()) throw InternalError("find_pid_collision: length mismatch");
    {
        // Fast path: sort the distinct (pid, CPR) pairs contiguously; only if two share a pid is the
        // slower row-ordered search below needed to name the rows.
        std::vector<std::pair<std::int64_t, std::uint64_t>> pairs(pids.size());
        for (std::size_t i = 0; i < pids.size(); ++i) pairs[i] = {pids[i], cpr_numbers[i]};
        std::sort(pairs.begin(), pairs.end());
        pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
        bool any = false;
        for (std::size_t k = 1; k < pairs.size() && !any; ++k) any = pairs[k].first == pairs[k - 1].first;
        if (!any) return std::nullopt;
    }
    std::vector<std::size_t> order(pids.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        if (pids[a] != pids[b]) return pids[a] < pids[b];
        if (cpr_numbers[a] != cpr_numbers[b]) return cpr_numbers[a] < cpr_numbers[b];
        return a < b;
    });
    std::optional<PidCollision> best;
    std::size_t run_start = 0;
    for (std::size_t k = 1; k <= order.size(); ++k) {
        if (k < order.size() && pids[order[k]] == pids[order[run_start]]) continue;
        // Run [run_start, k) shares one pid; it is sorted by CPR, then row. The first row of each
        // distinct CPR is a candidate; the two earliest candidates form the run's collision.
        std::size_t first = order[run_start], second = SIZE_MAX;
        for (std::size_t m = run_start + 1; m < k; ++m) {
            if (cpr_numbers[order[m]] == cpr_numbers[order[m - 1]]) continue;
            const std::size_t r = order[m];
            if (r < first) {
                second = first;
                first = r;
            } else if (r < second) {
                second = r;
            }
        }
        if (second != SIZE_MAX && (!best || second < best->row_b)) best = PidCollision{first, second};
        run_start = k;
    }
    return best;
}

}  // namespace kohort::io
