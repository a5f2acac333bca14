#include "kernels/survival/risk_set.hpp"

#include <algorithm>
#include <cmath>

#include "core/omp_exceptions.hpp"

namespace kohort {
namespace {

constexpr Eigen::Index kChunk = 256;  // rows per rank-k update: bounds the scratch matrix

inline std::size_t packed(int i, int j) { return static_cast<std::size_t>(i * (i + 1) / 2 + j); }

// Adds sign * (sum r, sum r x, lower(sum r x x')) into a packed block.
void add_block(double* block, int p, double sign, double s0, const Eigen::VectorXd& s1, const Eigen::MatrixXd& s2) {
    block[0] += sign * s0;
    for (int i = 0; i < p; ++i) block[1 + i] += sign * s1(i);
    double* lower = block + 1 + p;
    for (int i = 0; i < p; ++i)
        for (int j = 0; j <= i; ++j) lower[packed(i, j)] += sign * s2(i, j);
}

}  // namespace

TieSums tie_sums(double r0, double d0, double deaths, double death_weight, CoxTies ties) {
    TieSums t;
    const bool efron = ties == CoxTies::efron && deaths > 1;
    const auto d = static_cast<long long>(deaths);
    const long long terms = efron ? d : 1;
    t.m = efron ? death_weight / deaths : death_weight;
    t.c_weight = efron ? 1.0 / deaths : 1.0;
    for (long long k = 0; k < terms; ++k) {
        const double f = efron ? static_cast<double>(k) / deaths : 0.0;
        const double den = r0 - f * d0;
        t.log_den += std::log(den);
        t.inv += 1 / den;
        t.f_inv += f / den;
        t.inv2 += 1 / (den * den);
        t.f_inv2 += f / (den * den);
        t.ff_inv2 += f * f / (den * den);
    }
    return t;
}

RiskSetSums::RiskSetSums(std::int64_t bins, int p, bool death_sums)
    : bins_(bins), p_(p), death_sums_(death_sums),
      buf_(static_cast<std::size_t>(bins) * (1 + p + p * (p + 1) / 2) * (death_sums ? 2 : 1), 0.0) {}

void RiskSetSums::clear() { std::fill(buf_.begin(), buf_.end(), 0.0); }

void RiskSetSums::consume(const CoxRows& rows, const Eigen::VectorXd& beta, Eigen::VectorXd& risk) {
    const int p = p_;
    risk = Eigen::VectorXd::Zero(rows.n());
    const auto groups = static_cast<std::int64_t>(rows.exit_group_bin.size());

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
                Eigen::VectorXd r = ((xb * beta) + rows.offset.segment(c, len)).array().exp().matrix();
                risk.segment(c, len) = r;
                Eigen::VectorXd rw = r.cwiseProduct(rows.weight.segment(c, len));
                s0 += rw.sum();
                v1.noalias() += xb.transpose() * rw;
                sqrt_rw.head(len) = rw.cwiseSqrt();
                y.topRows(len) = xb.array().colwise() * sqrt_rw.head(len).array();
                m2.selfadjointView<Eigen::Lower>().rankUpdate(y.topRows(len).transpose());
            }
        };

#pragma omp for schedule(dynamic, 1)
        for (std::int64_t g = 0; g < groups; ++g) {
            errors.run([&] {
                const std::int64_t bin = rows.exit_group_bin[static_cast<std::size_t>(g)];
                const Eigen::Index a = rows.exit_group_begin[static_cast<std::size_t>(g)];
                const Eigen::Index e = rows.exit_group_begin[static_cast<std::size_t>(g) + 1];
                const Eigen::Index mid = a + rows.exit_group_deaths[static_cast<std::size_t>(g)];
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
        }

        // Counting process: subtract rows at the bin before they enter the risk set. Uses the
        // risk computed above (every entry row is in some exit group), hence the barrier.
        const auto entry_groups = static_cast<std::int64_t>(rows.entry_group_bin.size());
#pragma omp for schedule(dynamic, 1)
        for (std::int64_t g = 0; g < entry_groups; ++g) {
            errors.run([&] {
                const std::int64_t bin = rows.entry_group_bin[static_cast<std::size_t>(g)];
                const std::int64_t a = rows.entry_group_begin[static_cast<std::size_t>(g)];
                const std::int64_t e = rows.entry_group_begin[static_cast<std::size_t>(g) + 1];
                double s0 = 0;
                s1.setZero();
                s2.setZero();
                for (std::int64_t c = a; c < e; c += kChunk) {
                    const Eigen::Index len = std::min<Eigen::Index>(kChunk, e - c);
                    for (Eigen::Index k = 0; k < len; ++k) {
                        const Eigen::Index i = rows.entry_rows[static_cast<std::size_t>(c + k)];
                        const double rw = risk(i) * rows.weight(i);
                        s0 += rw;
                        s1.noalias() += rw * rows.X.row(i).transpose();
                        y.row(k) = std::sqrt(rw) * rows.X.row(i);
                    }
                    s2.selfadjointView<Eigen::Lower>().rankUpdate(y.topRows(len).transpose());
                }
                add_block(risk_block(bin), p, -1.0, s0, s1, s2);
            });
        }
    }
    errors.rethrow();
}

void RiskSetSums::merge(const RiskSetSums& other) {
    for (std::size_t i = 0; i < buf_.size(); ++i) buf_[i] += other.buf_[i];
}

void RiskSetSums::allreduce(const Comm& comm) { comm.allreduce(buf_); }

CoxDerivatives RiskSetSums::finalize(const CoxSetup& setup, CoxTies ties, const Eigen::VectorXd& beta) const {
    const int p = p_;
    CoxDerivatives out;
    out.u = setup.death_x;
    out.loglik = beta.dot(setup.death_x) + setup.death_offset;
    out.imat = Eigen::MatrixXd::Zero(p, p);
    const std::size_t nb = block();
    std::vector<double> r(nb);
    Eigen::VectorXd r1(p), d1(p);
    Eigen::MatrixXd r2(p, p), d2(p, p);
    const EventTimeIndex& bins = setup.bins;

    for (int s = 0; s < bins.n_strata(); ++s) {
        std::fill(r.begin(), r.end(), 0.0);
        for (std::int64_t b = bins.end(s) - 1; b >= bins.begin(s); --b) {
            const double* blk = risk_block(b);
            for (std::size_t k = 0; k < nb; ++k) r[k] += blk[k];
            const double deaths = setup.deaths[static_cast<std::size_t>(b)];
            if (deaths <= 0) continue;
            const double* dblk = death_sums_ ? death_block(b) : nullptr;
            const double d0 = dblk ? dblk[0] : 0.0;
            const TieSums t = tie_sums(r[0], d0, deaths, setup.death_weight[static_cast<std::size_t>(b)], ties);

            for (int i = 0; i < p; ++i) {
                r1(i) = r[1 + i];
                d1(i) = dblk ? dblk[1 + i] : 0.0;
                for (int j = 0; j <= i; ++j) {
                    r2(i, j) = r[1 + p + packed(i, j)];
                    d2(i, j) = dblk ? dblk[1 + p + packed(i, j)] : 0.0;
                }
            }
            out.loglik -= t.m * t.log_den;
            out.u.noalias() -= t.m * (t.inv * r1 - t.f_inv * d1);
            for (int i = 0; i < p; ++i)
                for (int j = 0; j <= i; ++j)
                    out.imat(i, j) += t.m * (t.inv * r2(i, j) - t.f_inv * d2(i, j) -
                                             (t.inv2 * r1(i) * r1(j) - t.f_inv2 * (r1(i) * d1(j) + d1(i) * r1(j)) +
                                              t.ff_inv2 * d1(i) * d1(j)));
        }
    }
    for (int i = 0; i < p; ++i)
        for (int j = 0; j < i; ++j) out.imat(j, i) = out.imat(i, j);
    return out;
}

ResidualTerms RiskSetSums::residual_terms(const CoxSetup& setup, CoxTies ties) const {
    const int p = p_;
    const auto T = static_cast<std::size_t>(bins_);
    const auto up = static_cast<std::size_t>(p);
    ResidualTerms rt;
    rt.p = p;
    rt.cum_a.assign(T, 0.0);
    rt.cum_b.assign(T * up, 0.0);
    rt.ad.assign(T, 0.0);
    rt.bd.assign(T * up, 0.0);
    rt.c.assign(T * up, 0.0);
    const EventTimeIndex& bins = setup.bins;
    std::vector<double> r1(up, 0.0);
    double r0 = 0;

    for (int s = 0; s < bins.n_strata(); ++s) {
        r0 = 0;
        std::fill(r1.begin(), r1.end(), 0.0);
        for (std::int64_t b = bins.end(s) - 1; b >= bins.begin(s); --b) {
            const auto ub = static_cast<std::size_t>(b);
            const double* blk = risk_block(b);
            r0 += blk[0];
            for (std::size_t i = 0; i < up; ++i) r1[i] += blk[1 + i];
            const double deaths = setup.deaths[ub];
            if (deaths <= 0) continue;
            const double* dblk = death_sums_ ? death_block(b) : nullptr;
            const TieSums t = tie_sums(r0, dblk ? dblk[0] : 0.0, deaths, setup.death_weight[ub], ties);
            rt.cum_a[ub] = t.m * t.inv;
            rt.ad[ub] = t.m * t.f_inv;
            for (std::size_t i = 0; i < up; ++i) {
                const double d1 = dblk ? dblk[1 + i] : 0.0;
                rt.cum_b[ub * up + i] = t.m * (r1[i] * t.inv2 - d1 * t.f_inv2);
                rt.bd[ub * up + i] = t.m * (r1[i] * t.f_inv2 - d1 * t.ff_inv2);
                rt.c[ub * up + i] = t.c_weight * (r1[i] * t.inv - d1 * t.f_inv);
            }
        }
        for (std::int64_t b = bins.begin(s) + 1; b < bins.end(s); ++b) {
            const auto ub = static_cast<std::size_t>(b);
            rt.cum_a[ub] += rt.cum_a[ub - 1];
            for (std::size_t i = 0; i < up; ++i) rt.cum_b[ub * up + i] += rt.cum_b[(ub - 1) * up + i];
        }
    }
    return rt;
}

}  // namespace kohort
