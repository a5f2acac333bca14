#include "kernels/genomics/gwas_cox_null.hpp"

#include <cmath>

#include "core/error.hpp"
#include "kernels/survival/cox_fit.hpp"
#include "kernels/survival/event_times.hpp"
#include "kernels/survival/risk_set.hpp"

namespace kohort::gwas {

namespace {

// Per event time, the global sums the null model's terms need: risk-set and death sums of r and
// r x, and the number of deaths. Layout per bin: [S0, D0, d, S1 (p), D1 (p)].
struct BinSums {
    Eigen::Index p;
    std::vector<double> buf;
    BinSums(std::int64_t bins, Eigen::Index p_) : p(p_), buf(static_cast<std::size_t>(bins * (3 + 2 * p_)), 0.0) {}
    double* at(std::int64_t b) { return buf.data() + b * (3 + 2 * p); }
};

// Phase 1: the covariates' null estimates, by the distributed Cox fit of kind = cox.
void fit_covariates(const GwasSamples& s, const Comm& comm, const std::string& where,
                    const std::vector<std::string>& response_columns, CoxNullModel& m) {
    if (m.p == 0) {  // Surv(time, status) ~ 1: nothing to fit (beta empty, every risk 1)
        m.beta.resize(0);
        m.converged = true;
        std::int64_t events = 0;
        for (Eigen::Index i = 0; i < s.status.size(); ++i) events += s.status[i] != 0 ? 1 : 0;
        m.events = comm.allreduce(events);
        if (m.events == 0) throw UsageError(where + ": no events among the samples; a Cox model needs at least one");
        return;
    }
    ModelFrame frame = cox_frame(s, nullptr);
    const CoxFit fit = fit_cox(frame, 1, CoxOptions{}, comm, where, response_columns);
    for (bool r : fit.redundant)
        if (r)
            throw UsageError(where + ": the covariates are collinear (a Cox coefficient of the null model is "
                                     "not estimable); drop a redundant covariate");
    m.beta = fit.beta;
    m.iterations = fit.iterations;
    m.converged = fit.converged;
    m.events = fit.events;
}

// Phase 2: each sample's event-time bin and the global per-bin sums at the null estimates.
BinSums bin_sums(const GwasSamples& s, const Eigen::MatrixXd& Xc, const Comm& comm, CoxNullModel& m) {
    const Eigen::Index n = s.n_local();
    const std::vector<std::int32_t> strata(static_cast<std::size_t>(n), 0);
    const EventTimeIndex index = EventTimeIndex::gather(comm, 1, strata.data(), s.time.data(), s.status.data(),
                                                        static_cast<std::size_t>(n));
    m.bins = index.size();
    m.bin.resize(static_cast<std::size_t>(n));
    BinSums sums(m.bins, m.p);
    for (Eigen::Index i = 0; i < n; ++i) {
        const std::int64_t b = index.last_at_or_before(0, s.time[i]);
        m.bin[static_cast<std::size_t>(i)] = b;
        if (b < 0) continue;
        double* blk = sums.at(b);
        const double r = m.risk[i];
        blk[0] += r;
        for (Eigen::Index a = 0; a < m.p; ++a) blk[3 + a] += r * Xc(i, a);
        if (s.status[i] == 0) continue;
        m.event_rows.push_back(i);
        blk[1] += r;
        blk[2] += 1;
        for (Eigen::Index a = 0; a < m.p; ++a) blk[3 + m.p + a] += r * Xc(i, a);
    }
    comm.allreduce(sums.buf);
    return sums;
}

}  // namespace

ModelFrame cox_frame(const GwasSamples& s, const Eigen::VectorXd* extra) {
    ModelFrame f;
    const Eigen::Index n = s.n_local();
    f.X.resize(n, s.C.cols() + (extra ? 1 : 0));
    f.X.leftCols(s.C.cols()) = s.C;
    if (extra) f.X.col(s.C.cols()) = *extra;
    f.stop = s.time;
    f.status = s.status;
    f.strata.assign(static_cast<std::size_t>(n), 0);
    f.strata_labels = {"all"};
    f.n_total = s.n_total;
    return f;
}

CoxNullModel fit_null_model(const GwasSamples& s, const Comm& comm, const std::string& where,
                            const std::vector<std::string>& response_columns) {
    CoxNullModel m;
    m.p = s.C.cols();
    const Eigen::Index n = s.n_local();
    fit_covariates(s, comm, where, response_columns, m);

    // Centred covariates: exp(x'beta) cannot overflow, and the terms do not depend on the centre.
    Eigen::VectorXd means(m.p + 1);
    means.head(m.p) = s.C.colwise().sum().transpose();
    means[m.p] = static_cast<double>(n);
    comm.allreduce(means);
    const Eigen::MatrixXd Xc = s.C.rowwise() - (means.head(m.p) / means[m.p]).transpose();
    m.risk = (Xc * m.beta).array().exp().matrix();
    BinSums sums = bin_sums(s, Xc, comm, m);

    // Phase 3: Efron's per-time terms (risk_set.hpp tie_sums), then cumulative in time.
    const auto T = static_cast<std::size_t>(m.bins);
    const auto p = static_cast<std::size_t>(m.p);
    std::vector<double> cum_a(T), ad(T), cum_b(T * p), bd(T * p);
    m.q0.assign(T, 0.0);
    std::vector<std::int64_t> slot_of(T, -1);
    for (std::int64_t b = 0; b < m.bins; ++b)  // times with tied deaths, in time order
        if (sums.at(b)[2] > 1) {
            slot_of[static_cast<std::size_t>(b)] = m.tied_bins();
            m.tied_bin.push_back(b);
        }
    m.q1.resize(m.tied_bin.size());
    m.q2.resize(m.tied_bin.size());
    Eigen::VectorXd r1 = Eigen::VectorXd::Zero(m.p);
    double r0 = 0;
    for (std::int64_t b = m.bins - 1; b >= 0; --b) {  // risk sets are suffix sums in time
        const auto ub = static_cast<std::size_t>(b);
        const double* blk = sums.at(b);
        r0 += blk[0];
        for (std::size_t a = 0; a < p; ++a) r1[static_cast<Eigen::Index>(a)] += blk[3 + a];
        const double deaths = blk[2];
        const TieSums t = tie_sums(r0, blk[1], deaths, deaths, CoxTies::efron);
        cum_a[ub] = t.m * t.inv;
        ad[ub] = t.m * t.f_inv;
        for (std::size_t a = 0; a < p; ++a) {
            const double d1 = blk[3 + p + a];
            cum_b[ub * p + a] = t.m * (r1[static_cast<Eigen::Index>(a)] * t.inv2 - d1 * t.f_inv2);
            bd[ub * p + a] = t.m * (r1[static_cast<Eigen::Index>(a)] * t.f_inv2 - d1 * t.ff_inv2);
        }
        m.q0[ub] = t.m * t.inv2;
        if (const std::int64_t slot = slot_of[ub]; slot >= 0) {
            m.q1[static_cast<std::size_t>(slot)] = t.m * t.f_inv2;
            m.q2[static_cast<std::size_t>(slot)] = t.m * t.ff_inv2;
        }
    }
    for (std::size_t b = 1; b < T; ++b) {  // H and Z sum over the times a sample is at risk
        cum_a[b] += cum_a[b - 1];
        for (std::size_t a = 0; a < p; ++a) cum_b[b * p + a] += cum_b[(b - 1) * p + a];
    }

    // Phase 4: per sample H, m and Z; then I_xx = X'Z and U_x = X'm over all ranks.
    m.cumhaz = Eigen::VectorXd::Zero(n);
    m.W = Eigen::MatrixXd::Zero(n, m.p + 1);
    for (Eigen::Index i = 0; i < n; ++i) {
        const std::int64_t b = m.bin[static_cast<std::size_t>(i)];
        const double delta = s.status[i] != 0 ? 1.0 : 0.0;
        if (b >= 0) {
            const auto ub = static_cast<std::size_t>(b);
            const double r = m.risk[i];
            m.cumhaz[i] = r * (cum_a[ub] - delta * ad[ub]);
            for (std::size_t a = 0; a < p; ++a)
                m.W(i, static_cast<Eigen::Index>(a) + 1) =
                    Xc(i, static_cast<Eigen::Index>(a)) * m.cumhaz[i] - r * (cum_b[ub * p + a] - delta * bd[ub * p + a]);
            const std::int64_t slot = slot_of[ub];
            if (delta > 0 && slot >= 0) {
                m.tied_rows.push_back(i);
                m.tied_slot.push_back(slot);
            }
        }
        m.W(i, 0) = delta - m.cumhaz[i];
    }
    Eigen::MatrixXd xw(m.p, m.p + 1);
    xw = Xc.transpose() * m.W;
    comm.allreduce(xw);
    m.score_x = xw.col(0);
    m.info = 0.5 * (xw.rightCols(m.p) + xw.rightCols(m.p).transpose());
    m.info_ldlt.compute(m.info);
    return m;
}

}  // namespace kohort::gwas
