// The cell key method (issue 16; contract section 7 "Across jobs"; docs/governance.md): counts are
// perturbed consistently across jobs, after the ABS TableBuilder method (Fraser & Wooton 2005,
// "A proposed method for confidentialising tabular output to protect against differencing") as the
// sdcTools R package cellKey implements it.
//   - every person has a record key: the first 8 bytes of HMAC-SHA256(platform secret,
//     "kohort-record-key" || pid as 8 big-endian bytes), read as a uint64, i.e. a fixed-point number
//     in [0, 1) with 64 fractional bits;
//   - a count's cell key is the sum of its rows' record keys modulo 1, i.e. the uint64 sum modulo
//     2^64. Integer addition is exact and associative, so the key is the same at any rank and thread
//     count and in any order of summation (unlike a floating-point sum);
//   - the noise is looked up in a published perturbation table by (count, cell key): the cell key,
//     read as u in [0, 1), picks the noise by the inverse of the count class's cumulative distribution.
// The same rows always get the same noise; rows that differ by even one person get a cell key that
// is uniform and independent of the other's, so the difference of two released counts is noisy.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mpi/comm.hpp"

namespace kohort {
namespace io {
class Pseudonymiser;
}

namespace cellkey {

using Key = std::uint64_t;

// Per-person record keys from the platform secret. The secret never leaves this object (it is
// wiped with the keyed HMAC state). Not thread-safe: one per thread.
class RecordKeys {
public:
    // The secret file, read like a project key (io/project_key.hpp: hex or raw, >= 32 bytes, mode
    // 600); errors name the file, never its content.
    explicit RecordKeys(const std::string& secret_file);
    ~RecordKeys();
    RecordKeys(const RecordKeys&) = delete;
    RecordKeys& operator=(const RecordKeys&) = delete;

    Key key(std::int64_t pid);
    // One key per row; a missing pid (INT64_MIN) gets key 0 (it adds nothing to a cell key).
    std::vector<Key> keys(const std::vector<std::int64_t>& pids);

private:
    std::unique_ptr<io::Pseudonymiser> mac_;
};

// Cell key sums. All sums are modulo 2^64 by unsigned wrap-around.
Key sum(const std::vector<Key>& keys);
// Sum of keys[i] for the rows where take(i) is true.
template <class Pred>
Key sum_if(const std::vector<Key>& keys, Pred take) {
    Key s = 0;
    for (std::size_t i = 0; i < keys.size(); ++i)
        if (take(i)) s += keys[i];
    return s;
}
// Across ranks (collective): the same result at any rank count.
Key allreduce(const Comm& comm, Key local);
void allreduce(const Comm& comm, std::vector<Key>& local);
// Suffix sums: out[j] = sum of keys[j..n-1] (risk sets: everyone still at risk at the j-th time).
std::vector<Key> suffix_sums(const std::vector<Key>& keys);

// A published perturbation table (share/perturbation/default.tsv; scripts/perturbation_table.py).
// Text: '#' lines with parameters ("# max_noise<TAB>3", "# variance<TAB>2", ...), a header line
// "count<TAB>noise<TAB>probability", then rows. Count class c = 1 .. J; class J stands for every
// count >= J. Within a class the noise values are listed in increasing order and their
// probabilities sum to 1.
class PerturbationTable {
public:
    // `origin` names the text in errors (a path, or "the built-in table").
    static PerturbationTable parse(const std::string& text, const std::string& origin);
    static PerturbationTable load(const std::string& path);
    // The table shipped with kohort (share/perturbation/default.tsv, compiled in).
    static const PerturbationTable& built_in();

    // The noise for a count of `count` >= 1 persons with this cell key (0 for a count of 0).
    std::int64_t noise(std::int64_t count, Key cell_key) const;
    // count + noise: 0 stays 0, and the result is never negative.
    std::int64_t perturb(std::int64_t count, Key cell_key) const;

    int max_noise() const { return max_noise_; }
    double variance() const { return variance_; }
    double recovery_bound() const { return recovery_bound_; }
    const std::string& origin() const { return origin_; }
    // The parameters as published (results.json / disclosure.json "perturbation" block).
    std::map<std::string, std::string> parameters() const { return params_; }

private:
    struct Class {
        std::vector<std::int64_t> noise;
        std::vector<Key> upper;  // cumulative probability * 2^64 (last = UINT64_MAX): pick first upper > key
    };
    std::vector<Class> classes_;  // index c-1
    int max_noise_ = 0;
    double variance_ = 0;
    double recovery_bound_ = 1;
    std::string origin_;
    std::map<std::string, std::string> params_;
};

}  // namespace cellkey
}  // namespace kohort
