#include "kernels/descriptive/distributed_quantiles.hpp"

#include <cmath>
#include <cstring>

namespace kohort {
namespace {

// Order-preserving map from double to uint64 (IEEE 754 total order for non-NaN values).
std::uint64_t key_of(double x) {
    std::uint64_t u;
    std::memcpy(&u, &x, sizeof u);
    return (u >> 63) ? ~u : (u | 0x8000000000000000ULL);
}

double value_of(std::uint64_t k) {
    const std::uint64_t u = (k >> 63) ? (k & 0x7FFFFFFFFFFFFFFFULL) : ~k;
    double x;
    std::memcpy(&x, &u, sizeof x);
    return x;
}

}  // namespace

std::vector<double> global_order_statistics(const std::vector<double>& local, const std::vector<std::int64_t>& ranks,
                                            const Comm& comm) {
    const std::size_t m = ranks.size();
    std::vector<std::uint64_t> keys(local.size());
    for (std::size_t i = 0; i < local.size(); ++i) keys[i] = key_of(local[i]);
    // Invariant per target j: count(key <= hi[j]) > ranks[j] and count(key <= lo[j]-1) <= ranks[j].
    std::vector<std::uint64_t> lo(m, 0), hi(m, ~std::uint64_t{0});
    std::vector<std::int64_t> counts(m);
    for (int step = 0; step < 64; ++step) {
        std::vector<std::uint64_t> mid(m);
        for (std::size_t j = 0; j < m; ++j) mid[j] = lo[j] + (hi[j] - lo[j]) / 2;
        std::fill(counts.begin(), counts.end(), 0);
        for (std::uint64_t k : keys)
            for (std::size_t j = 0; j < m; ++j) counts[j] += k <= mid[j];
        comm.allreduce(counts);
        for (std::size_t j = 0; j < m; ++j) {
            if (counts[j] > ranks[j]) hi[j] = mid[j];
            else lo[j] = mid[j] + 1;
        }
    }
    std::vector<double> out(m);
    for (std::size_t j = 0; j < m; ++j) out[j] = value_of(hi[j]);
    return out;
}

std::vector<double> global_quantiles_type7(const std::vector<double>& local, std::int64_t n,
                                           const std::vector<double>& probs, const Comm& comm) {
    // Hyndman & Fan type 7: h = (n-1)p, Q = x[floor h] + (h - floor h)(x[floor h + 1] - x[floor h]).
    std::vector<std::int64_t> want;
    for (double p : probs) {
        const double h = static_cast<double>(n - 1) * p;
        const auto f = static_cast<std::int64_t>(std::floor(h));
        want.push_back(f);
        want.push_back(std::min<std::int64_t>(f + 1, n - 1));
    }
    const std::vector<double> x = global_order_statistics(local, want, comm);
    std::vector<double> out;
    for (std::size_t i = 0; i < probs.size(); ++i) {
        const double h = static_cast<double>(n - 1) * probs[i];
        const double frac = h - std::floor(h);
        out.push_back(x[2 * i] + frac * (x[2 * i + 1] - x[2 * i]));
    }
    return out;
}

}  // namespace kohort
