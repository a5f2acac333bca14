#include "kernels/survival/risk_set.hpp"

#include <algorithm>
#include <cmath>

#include "core/omp_exceptions.hpp"

namespace kohort {
namespace {

constexpr Eigen::Index kChunk = 256;  // rows per rank-k update: bounds the scratch matrix
// partial_derivatives walks its window in chunks of at least this many bins, and in at most
// kWalkChunks chunks (which bounds the chunks' parts): enough to share among threads.
constexpr std::int64_t kWalkChunkBins = 64;
constexpr std::int64_t kWalkChunks = 2048;

inline std::size_t packed(int i, int j) { return static_cast<std::size_t>(i * (i + 1) / 2 + j); }

// Adds sign * (sum r, sum r x, lower(sum r x x')) into a packed block.
void add_block(double* block, int p, double sign, double s0, const Eigen::VectorXd& s1, const Eigen::MatrixXd& s2) {
    block[0] += sign * s0;
    for (int i = 0; i < p; ++i) block[1 + i] += sign * s1(i);
    double* lower = block + 1 + p;
    for (int i = 0; i < p; ++i)
        for (int j = 0; j <= i; ++j) lower[packed(i, j)] += sign * s2(i, j);
}

// Runs f(g, bin, a, e) for each row group g, rows [begin[g], begin[g+1]) of bin bin[g], the groups
// shared out among the threads of the enclosing parallel region (an orphaned `omp for`, with its
// barrier at the end; every thread of the team must call it). Each group runs through `errors`.
template <typename F>
void for_each_group(const std::vector<std::int64_t>& bin, const std::vector<std::int64_t>& begin, OmpExceptions& errors,
                    F&& f) {
    const auto groups = static_cast<std::int64_t>(bin.size());
#pragma omp for schedule(dynamic, 1)
    for (std::int64_t g = 0; g < groups; ++g) {
        const auto ug = static_cast<std::size_t>(g);
        errors.run([&] { f(ug, bin[ug], begin[ug], begin[ug + 1]); });
    }
}

}  // namespace

TieSums tie_sums(double r0, double d0, double deaths, double death_weight, CoxTies ties) {
    TieSums t;
    const bool efron = ties == CoxTies::efron && deaths > 1;
    const auto d = static_cast<long long>(deaths);
    const long long terms = efron ? d : 1;
    t.m = efron ? death_weight / deaths : death_weight;
    t.c_weight = efron ? 1.0 / deaths : 1.0;
    // One division per term: with hundreds of deaths at a time (Efron loops over each) the
    // divisions and the log are most of a pass's serial part.
    for (long long k = 0; k < terms; ++k) {
        const double f = efron ? static_cast<double>(k) / deaths : 0.0;
        const double den = r0 - f * d0;
        const double inv = 1 / den, inv2 = inv * inv;
        t.log_den += std::log(den);
        t.inv += inv;
        t.f_inv += f * inv;
        t.inv2 += inv2;
        t.f_inv2 += f * inv2;
        t.ff_inv2 += f * f * inv2;
    }
    return t;
}

RiskSetSums::RiskSetSums(std::int64_t begin, std::int64_t end, int p, bool death_sums)
    : begin_(begin), bins_(end - begin), p_(p), death_sums_(death_sums),
      buf_(static_cast<std::size_t>(end - begin) * (1 + p + p * (p + 1) / 2) * (death_sums ? 2 : 1), 0.0) {}

void RiskSetSums::clear() { std::fill(buf_.begin(), buf_.end(), 0.0); }

void RiskSetSums::consume(const CoxRows& rows, const Eigen::VectorXd& beta, Eigen::VectorXd& risk) {
    const int p = p_;
    risk = Eigen::VectorXd::Zero(rows.n());

    // Eigen allocates (and may throw std::bad_alloc) inside the region: kept in it (core/omp_exceptions.hpp).
    OmpExceptions errors;
#pragma omp parallel
    {
        Eigen::MatrixXd y, s2, d2;
        Eigen::VectorXd sqrt_rw, s1, d1;
        errors.run([&] {
            y.resize(kChunk, p);
            sqrt_rw.resize(kChunk);
            s2.resize(p, p), d2.resize(p, p);
            s1.resize(p), d1.resize(p);
        });

        // Adds rows [a, e) (one bin, same kind) into (s0, s1, s2) and fills risk.
        auto add_range = [&](Eigen::Index a, Eigen::Index e, double& s0, Eigen::VectorXd& v1, Eigen::MatrixXd& m2) {
            for (Eigen::Index c = a; c < e; c += kChunk) {
                const Eigen::Index len = std::min(kChunk, e - c);
                auto xb = rows.X.middleRows(c, len);
                Eigen::VectorXd r = xb * beta;
                if (!rows.zero_offset()) r += rows.offset.segment(c, len);
                r = r.array().exp().matrix();
                risk.segment(c, len) = r;
                Eigen::VectorXd rw = rows.unit_weights() ? r : r.cwiseProduct(rows.weight.segment(c, len));
                s0 += rw.sum();
                v1.noalias() += xb.transpose() * rw;
                sqrt_rw.head(len) = rw.cwiseSqrt();
                y.topRows(len) = xb.array().colwise() * sqrt_rw.head(len).array();
                m2.selfadjointView<Eigen::Lower>().rankUpdate(y.topRows(len).transpose());
            }
        };

        for_each_group(rows.exit_group_bin, rows.exit_group_begin, errors,
                       [&](std::size_t g, std::int64_t bin, Eigen::Index a, Eigen::Index e) {
            const Eigen::Index mid = a + rows.exit_group_deaths[g];
            double s0 = 0, d0 = 0;
            s1.setZero();
            s2.setZero();
            d1.setZero();
            d2.setZero();
            add_range(a, mid, d0, d1, d2);
            add_range(mid, e, s0, s1, s2);
            add_block(risk_block(bin), p, 1.0, s0 + d0, s1 + d1, s2 + d2);
            if (death_sums_) add_block(death_block(bin), p, 1.0, d0, d1, d2);
        });

        // Entry replicas (rows owned by another rank, cox_distribute.hpp) are in no exit group:
        // their risk is computed here.
        const Eigen::Index first_replica = rows.n() - rows.replicas;
#pragma omp for schedule(static)
        for (Eigen::Index i = first_replica; i < rows.n(); ++i)
            risk(i) = std::exp(rows.X.row(i).dot(beta) + rows.offset_of(i));

        // Counting process: subtract rows at the bin before they enter the risk set. Uses the
        // risk computed above (every entry row is in some exit group or a replica), hence the barrier.
        for_each_group(rows.entry_group_bin, rows.entry_group_begin, errors,
                       [&](std::size_t, std::int64_t bin, Eigen::Index a, Eigen::Index e) {
            double s0 = 0;
            s1.setZero();
            s2.setZero();
            for (std::int64_t c = a; c < e; c += kChunk) {
                const Eigen::Index len = std::min<Eigen::Index>(kChunk, e - c);
                for (Eigen::Index k = 0; k < len; ++k) {
                    const Eigen::Index i = rows.entry_rows[static_cast<std::size_t>(c + k)];
                    const double rw = risk(i) * rows.weight_of(i);
                    s0 += rw;
                    s1.noalias() += rw * rows.X.row(i).transpose();
                    y.row(k) = std::sqrt(rw) * rows.X.row(i);
                }
                s2.selfadjointView<Eigen::Lower>().rankUpdate(y.topRows(len).transpose());
            }
            add_block(risk_block(bin), p, -1.0, s0, s1, s2);
        });
    }
    errors.rethrow();
}

void RiskSetSums::merge(const RiskSetSums& other) {
    for (std::size_t i = 0; i < buf_.size(); ++i) buf_[i] += other.buf_[i];
}

void RiskSetSums::allreduce(const Comm& comm) { comm.allreduce(buf_); }

template <typename F>
void RiskSetSums::walk_risk_sets(const CoxSetup& setup, const RiskSetCarry& carry, F&& f) const {
    std::vector<double> r(block());
    walk_risk_sets(setup, carry, begin_, begin_ + bins_, r, f);
}

template <typename F>
void RiskSetSums::walk_risk_sets(const CoxSetup& setup, const RiskSetCarry& carry, std::int64_t lo, std::int64_t hi,
                                 std::vector<double>& r, F&& f) const {
    const std::size_t nb = block();
    const EventTimeIndex& bins = setup.bins;
    std::fill(r.begin(), r.end(), 0.0);
    const std::int64_t last = hi - 1;
    if (hi > lo && !carry.sums.empty()) std::copy(carry.sums.begin(), carry.sums.end(), r.begin());
    for (std::int64_t b = last; b >= lo; --b) {
        if (b < last && bins.stratum_of(b) != bins.stratum_of(b + 1)) std::fill(r.begin(), r.end(), 0.0);
        const double* blk = risk_block(b);
        for (std::size_t k = 0; k < nb; ++k) r[k] += blk[k];
        if (setup.deaths[static_cast<std::size_t>(b)] <= 0) continue;
        f(b, r.data(), death_sums_ ? death_block(b) : nullptr);
    }
}

// The window's bins are walked in chunks of a fixed number of bins (set by the window, not by the
// number of threads), each chunk on one thread from the suffix sums above it; the chunks' parts
// are added in a fixed order, so the result is the same for any number of threads. The suffix
// sums where each chunk starts come from the same segmented scan the ranks' windows use
// (carry_block, combine_carry), over the chunks.
CoxDerivatives RiskSetSums::partial_derivatives(const CoxSetup& setup, CoxTies ties, const RiskSetCarry& carry) const {
    const int p = p_;
    const std::size_t nb = block();
    const EventTimeIndex& bins = setup.bins;
    const std::int64_t width = std::max<std::int64_t>(kWalkChunkBins, (bins_ + kWalkChunks - 1) / kWalkChunks);
    const std::int64_t chunks = (bins_ + width - 1) / width;
    auto chunk_lo = [&](std::int64_t c) { return begin_ + c * width; };
    auto chunk_hi = [&](std::int64_t c) { return std::min(begin_ + bins_, begin_ + (c + 1) * width); };

    // Each chunk's carry block, then the carry into each chunk from the chunks above it (and the
    // window's own carry above them all).
    std::vector<double> chunk_blocks(static_cast<std::size_t>(chunks) * (nb + 1));
#pragma omp parallel for schedule(static)
    for (std::int64_t c = 0; c < chunks; ++c) {
        const std::vector<double> blk = carry_block(bins, chunk_lo(c), chunk_hi(c));
        std::copy(blk.begin(), blk.end(), chunk_blocks.begin() + c * static_cast<std::int64_t>(nb + 1));
    }
    std::vector<RiskSetCarry> chunk_carry(static_cast<std::size_t>(chunks));
    std::vector<double> above(nb + 1, 0.0), combined(nb + 1);
    above[0] = -1;  // empty
    if (bins_ > 0 && !carry.sums.empty()) {
        above[0] = bins.stratum_of(begin_ + bins_ - 1);
        std::copy(carry.sums.begin(), carry.sums.end(), above.begin() + 1);
    }
    for (std::int64_t c = chunks - 1; c >= 0; --c) {
        chunk_carry[static_cast<std::size_t>(c)] = carry_into(bins, above.data(), chunk_lo(c), chunk_hi(c));
        combine_carry(nb, chunk_blocks.data() + c * static_cast<std::int64_t>(nb + 1), above.data(), combined.data());
        std::swap(above, combined);
    }

    // Each chunk's part: loglik, U, lower(I).
    const std::size_t part_size = 1 + static_cast<std::size_t>(p) + static_cast<std::size_t>(p * (p + 1) / 2);
    std::vector<double> parts(static_cast<std::size_t>(chunks) * part_size, 0.0);
    OmpExceptions errors;
#pragma omp parallel
    {
        Eigen::VectorXd r1, d1;
        Eigen::MatrixXd r2, d2;
        std::vector<double> r;
        errors.run([&] {
            r1.resize(p), d1.resize(p);
            r2.resize(p, p), d2.resize(p, p);
            r.resize(nb);
        });
#pragma omp for schedule(dynamic, 1)
        for (std::int64_t c = 0; c < chunks; ++c) errors.run([&] {
            double* part = parts.data() + static_cast<std::size_t>(c) * part_size;
            double* u = part + 1;
            double* lower = part + 1 + p;
            walk_risk_sets(setup, chunk_carry[static_cast<std::size_t>(c)], chunk_lo(c), chunk_hi(c), r,
                           [&](std::int64_t b, const double* rs, const double* dblk) {
                const double d0 = dblk ? dblk[0] : 0.0;
                const auto ub = static_cast<std::size_t>(b);
                const TieSums t = tie_sums(rs[0], d0, setup.deaths[ub], setup.death_weight[ub], ties);
                for (int i = 0; i < p; ++i) {
                    r1(i) = rs[1 + i];
                    d1(i) = dblk ? dblk[1 + i] : 0.0;
                    for (int j = 0; j <= i; ++j) {
                        r2(i, j) = rs[1 + p + packed(i, j)];
                        d2(i, j) = dblk ? dblk[1 + p + packed(i, j)] : 0.0;
                    }
                }
                part[0] -= t.m * t.log_den;
                for (int i = 0; i < p; ++i) u[i] -= t.m * (t.inv * r1(i) - t.f_inv * d1(i));
                for (int i = 0; i < p; ++i)
                    for (int j = 0; j <= i; ++j)
                        lower[packed(i, j)] += t.m * (t.inv * r2(i, j) - t.f_inv * d2(i, j) -
                                                      (t.inv2 * r1(i) * r1(j) - t.f_inv2 * (r1(i) * d1(j) + d1(i) * r1(j)) +
                                                       t.ff_inv2 * d1(i) * d1(j)));
            });
        });
    }
    errors.rethrow();

    CoxDerivatives out;
    out.u = Eigen::VectorXd::Zero(p);
    out.imat = Eigen::MatrixXd::Zero(p, p);
    for (std::int64_t c = chunks - 1; c >= 0; --c) {  // the walk's order: from the last bin down
        const double* part = parts.data() + static_cast<std::size_t>(c) * part_size;
        out.loglik += part[0];
        for (int i = 0; i < p; ++i) out.u(i) += part[1 + i];
        for (int i = 0; i < p; ++i)
            for (int j = 0; j <= i; ++j) out.imat(i, j) += part[1 + p + packed(i, j)];
    }
    for (int i = 0; i < p; ++i)
        for (int j = 0; j < i; ++j) out.imat(j, i) = out.imat(i, j);
    return out;
}

void RiskSetSums::add_death_terms(const CoxSetup& setup, const Eigen::VectorXd& beta, CoxDerivatives& d) {
    d.u += setup.death_x;
    d.loglik += beta.dot(setup.death_x) + setup.death_offset;
}

CoxDerivatives RiskSetSums::finalize(const CoxSetup& setup, CoxTies ties, const Eigen::VectorXd& beta) const {
    CoxDerivatives out = partial_derivatives(setup, ties, {});
    add_death_terms(setup, beta, out);
    return out;
}

ResidualTerms RiskSetSums::residual_terms(const CoxSetup& setup, CoxTies ties, const RiskSetCarry& carry) const {
    const int p = p_;
    const auto up = static_cast<std::size_t>(p);
    ResidualTerms rt;
    rt.p = p;
    rt.packed.assign(static_cast<std::size_t>(setup.bins.size()) * rt.stride(), 0.0);
    walk_risk_sets(setup, carry, [&](std::int64_t b, const double* r, const double* dblk) {
        const auto ub = static_cast<std::size_t>(b);
        const TieSums t = tie_sums(r[0], dblk ? dblk[0] : 0.0, setup.deaths[ub], setup.death_weight[ub], ties);
        double* out = rt.packed.data() + ub * rt.stride();
        out[0] = t.m * t.inv;    // a
        out[1] = t.m * t.f_inv;  // ad
        for (std::size_t i = 0; i < up; ++i) {
            const double r1 = r[1 + i];
            const double d1 = dblk ? dblk[1 + i] : 0.0;
            out[2 + i] = t.m * (r1 * t.inv2 - d1 * t.f_inv2);             // b
            out[2 + up + i] = t.m * (r1 * t.f_inv2 - d1 * t.ff_inv2);     // bd
            out[2 + 2 * up + i] = t.c_weight * (r1 * t.inv - d1 * t.f_inv);  // c
        }
    });
    return rt;
}

void ResidualTerms::cumulate(const EventTimeIndex& bins) {
    const std::size_t w = stride();
    const auto up = static_cast<std::size_t>(p);
    for (int s = 0; s < bins.n_strata(); ++s)
        for (std::int64_t b = bins.begin(s) + 1; b < bins.end(s); ++b) {
            double* cur = packed.data() + static_cast<std::size_t>(b) * w;
            const double* prev = cur - w;
            cur[0] += prev[0];
            for (std::size_t i = 0; i < up; ++i) cur[2 + i] += prev[2 + i];
        }
}

std::vector<double> RiskSetSums::carry_block(const EventTimeIndex& bins) const {
    return carry_block(bins, begin_, begin_ + bins_);
}

std::vector<double> RiskSetSums::carry_block(const EventTimeIndex& bins, std::int64_t lo, std::int64_t hi) const {
    const std::size_t nb = block();
    std::vector<double> out(nb + 1, 0.0);
    if (hi <= lo) {
        out[0] = -1;
        return out;
    }
    const std::int32_t s = bins.stratum_of(lo);
    out[0] = s;
    for (std::int64_t b = lo; b < hi && bins.stratum_of(b) == s; ++b) {
        const double* blk = risk_block(b);
        for (std::size_t k = 0; k < nb; ++k) out[1 + k] += blk[k];
    }
    return out;
}

// Segmented sum over ranks in order: the strata of the ranks' windows ascend, so the bins of the
// low block's stratum in the high block are exactly the high block's first-stratum bins.
void RiskSetSums::combine_carry(std::size_t block_size, const double* low, const double* high, double* out) {
    const double* keep = low[0] < 0 ? high : low;
    std::copy(keep, keep + block_size + 1, out);
    if (low[0] >= 0 && high[0] == low[0])
        for (std::size_t k = 1; k <= block_size; ++k) out[k] = low[k] + high[k];
}

RiskSetCarry RiskSetSums::carry_from(const EventTimeIndex& bins, const std::vector<double>& scanned,
                                     bool has_value) const {
    return has_value ? carry_into(bins, scanned.data(), begin_, begin_ + bins_) : RiskSetCarry{};
}

RiskSetCarry RiskSetSums::carry_into(const EventTimeIndex& bins, const double* above, std::int64_t lo,
                                     std::int64_t hi) const {
    RiskSetCarry c;
    if (hi <= lo || above[0] != bins.stratum_of(hi - 1)) return c;  // a tag of -1 (empty) matches no stratum
    c.sums.assign(above + 1, above + 1 + block());
    return c;
}

}  // namespace kohort
