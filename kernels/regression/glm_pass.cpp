#include "kernels/regression/glm_pass.hpp"

#include <cfloat>
#include <cmath>

#include "core/omp_exceptions.hpp"

namespace kohort::glm {
namespace {

using Eigen::ArrayXd;
using Eigen::Index;

// Lower-triangle pack/unpack of a symmetric matrix.
void pack_lower(const Eigen::MatrixXd& m, std::vector<double>& out) {
    for (Index j = 0; j < m.cols(); ++j)
        for (Index i = j; i < m.rows(); ++i) out.push_back(m(i, j));
}
std::size_t unpack_lower(Eigen::MatrixXd& m, const std::vector<double>& in, std::size_t pos) {
    for (Index j = 0; j < m.cols(); ++j)
        for (Index i = j; i < m.rows(); ++i) {
            m(i, j) = in[pos++];
            m(j, i) = m(i, j);
        }
    return pos;
}

// Merge, pack and unpack of the scalar sums a pass state lists in its sums(); the list's order is
// the packed order.
template <typename State>
void add_sums(State& to, const State& from) {
    const auto a = State::sums(to);
    const auto b = State::sums(from);
    for (std::size_t k = 0; k < a.size(); ++k) *a[k] += *b[k];
}
template <typename State>
void pack_sums(const State& s, std::vector<double>& out) {
    for (const double* v : State::sums(s)) out.push_back(*v);
}
template <typename State>
std::size_t unpack_sums(State& s, const std::vector<double>& in, std::size_t pos) {
    for (double* v : State::sums(s)) *v = in[pos++];
    return pos;
}

// Linear predictor of rows [b, b+len): X beta + offset, or linkfun(mustart).
void linear_predictor(const GlmData& d, const Family& f, const EtaSource& src, Index b, Index len,
                      ArrayXd& eta) {
    if (src.beta) {
        eta.head(len) = (d.X.middleRows(b, len) * *src.beta).array() + d.offset.segment(b, len).array();
    } else {
        f.linkfun(src.mustart->segment(b, len).array(), eta.head(len));
    }
}

// Splits [0, n) into fixed chunks; partial results per chunk are merged in chunk order, so the
// sum is the same whatever the number of threads.
template <typename State, typename Make, typename Consume>
State chunked(Index n, Make make, Consume consume) {
    const Index nchunks = (n + kChunkRows - 1) / kChunkRows;
    std::vector<State> partial;
    partial.reserve(static_cast<std::size_t>(nchunks));
    for (Index c = 0; c < nchunks; ++c) partial.push_back(make());
    OmpExceptions errors;  // consume allocates (Eigen): nothing may leave the region (core/omp_exceptions.hpp)
#pragma omp parallel for schedule(dynamic, 1)
    for (Index c = 0; c < nchunks; ++c) {
        const Index begin = c * kChunkRows;
        const Index end = std::min(n, begin + kChunkRows);
        errors.run([&] { consume(partial[static_cast<std::size_t>(c)], begin, end); });
    }
    errors.rethrow();
    State total = make();
    for (auto& s : partial) total.merge(s);
    return total;
}

}  // namespace

// ---------------------------------------------------------------- IrlsStep

IrlsStep::IrlsStep(Index p) : xtwx(Eigen::MatrixXd::Zero(p, p)), xtwr(Eigen::VectorXd::Zero(p)) {}

void IrlsStep::merge(const IrlsStep& o) {
    xtwx.triangularView<Eigen::Lower>() += o.xtwx;
    xtwr += o.xtwr;
    add_sums(*this, o);
}

std::vector<double> IrlsStep::pack() const {
    std::vector<double> out;
    out.reserve(static_cast<std::size_t>(p() * (p() + 1) / 2 + p() + 8));
    pack_lower(xtwx, out);
    out.insert(out.end(), xtwr.data(), xtwr.data() + xtwr.size());
    pack_sums(*this, out);
    return out;
}

void IrlsStep::unpack(const std::vector<double>& in) {
    std::size_t pos = unpack_lower(xtwx, in, 0);
    for (Index j = 0; j < p(); ++j) xtwr[j] = in[pos++];
    unpack_sums(*this, in, pos);
}

void IrlsStep::consume(const GlmData& d, const Family& f, const EtaSource& src, Index begin, Index end) {
    const Index p = d.X.cols();
    ArrayXd eta(kBlockRows), mu(kBlockRows), me(kBlockRows), var(kBlockRows), dev(kBlockRows),
        sw(kBlockRows), swr(kBlockRows);
    Eigen::MatrixXd xs(kBlockRows, p);
    const bool from_start = src.beta == nullptr;
    for (Index b = begin; b < end; b += kBlockRows) {
        const Index len = std::min(kBlockRows, end - b);
        const auto y = d.y.segment(b, len).array();
        const auto w = d.weights.segment(b, len).array();
        const auto off = d.offset.segment(b, len).array();
        linear_predictor(d, f, src, b, len, eta);
        f.linkinv_and_mu_eta(eta.head(len), mu.head(len), me.head(len));
        f.dev_resids(y, mu.head(len), w, dev.head(len));
        f.variance(mu.head(len), var.head(len));
        deviance += dev.head(len).sum();
        sum_w += w.sum();
        sum_wy += (w * y).sum();
        // Whole-block array expressions (vectorised); rows that are not "good" are masked to 0
        // afterwards, so what their sqrt or division gives does not matter.
        const auto eta_b = eta.head(len), mu_b = mu.head(len), me_b = me.head(len), var_b = var.head(len);
        switch (f.family) {  // family$validmu
            case FamilyKind::binomial: n_invalid_mu += static_cast<double>((!(mu_b.isFinite() && mu_b > 0.0 && mu_b < 1.0)).count()); break;
            case FamilyKind::poisson: n_invalid_mu += static_cast<double>((!(mu_b.isFinite() && mu_b > 0.0)).count()); break;
            case FamilyKind::gaussian: break;
        }
        n_nonfinite += static_cast<double>((!(eta_b.isFinite() && mu_b.isFinite())).count());
        // glm.fit: good <- (weights > 0) & (mu.eta.val != 0)
        const auto good = (w > 0.0) && (me_b != 0.0);
        n_good += static_cast<double>(good.count());
        n_bad_variance += static_cast<double>((good && (var_b.isNaN() || var_b == 0.0)).count());
        sw.head(len) = good.select((w * me_b * me_b / var_b).sqrt(), 0.0);
        // z - X beta_ref: the working residual, plus eta - offset on the first step (beta_ref = 0).
        if (from_start)
            swr.head(len) = good.select(sw.head(len) * ((y - mu_b) / me_b + (eta_b - off)), 0.0);
        else
            swr.head(len) = good.select(sw.head(len) * ((y - mu_b) / me_b), 0.0);
        auto xb = xs.topRows(len);
        xb.noalias() = sw.head(len).matrix().asDiagonal() * d.X.middleRows(b, len);
        xtwx.selfadjointView<Eigen::Lower>().rankUpdate(xb.transpose());
        xtwr.noalias() += xb.transpose() * swr.head(len).matrix();
    }
}

IrlsStep irls_pass(const GlmData& d, const Family& f, const EtaSource& src) {
    const Index p = d.X.cols();
    return chunked<IrlsStep>(
        d.X.rows(), [p] { return IrlsStep(p); },
        [&](IrlsStep& s, Index b, Index e) { s.consume(d, f, src, b, e); });
}

// ---------------------------------------------------------------- FinalStats

FinalStats::FinalStats(Index p, RobustKind robust) {
    if (robust == RobustKind::hc) meat = Eigen::MatrixXd::Zero(p, p);
}

void FinalStats::merge(const FinalStats& o) {
    add_sums(*this, o);
    if (meat.size() > 0) meat.triangularView<Eigen::Lower>() += o.meat;
    for (const auto& [id, s] : o.cluster_scores) {
        auto it = cluster_scores.find(id);
        if (it == cluster_scores.end()) cluster_scores.emplace(id, s);
        else it->second += s;
    }
}

std::vector<double> FinalStats::pack() const {
    std::vector<double> out;
    pack_sums(*this, out);
    pack_lower(meat, out);
    return out;
}

void FinalStats::unpack(const std::vector<double>& in) {
    unpack_lower(meat, in, unpack_sums(*this, in, 0));
}

void FinalStats::consume(const GlmData& d, const Family& f, const FinalInputs& in, Index begin, Index end,
                         Eigen::VectorXd* fitted) {
    const Index p = d.X.cols();
    ArrayXd eta(kBlockRows), mu(kBlockRows), me(kBlockRows), tmp(kBlockRows), eta0(kBlockRows),
        mu0(kBlockRows), me0(kBlockRows), var0(kBlockRows), wres(kBlockRows);
    Eigen::MatrixXd xs(kBlockRows, p);
    const double eps10 = 10.0 * DBL_EPSILON;
    const EtaSource now{in.beta, nullptr};
    for (Index b = begin; b < end; b += kBlockRows) {
        const Index len = std::min(kBlockRows, end - b);
        const auto y = d.y.segment(b, len).array();
        const auto w = d.weights.segment(b, len).array();
        linear_predictor(d, f, now, b, len, eta);
        f.linkinv_and_mu_eta(eta.head(len), mu.head(len), me.head(len));
        if (fitted) fitted->segment(b, len) = mu.head(len).matrix();

        f.aic_terms(y, mu.head(len), w, tmp.head(len));
        aic_terms += tmp.head(len).sum();
        n_rows += static_cast<double>(len);
        n_positive_weight += (w > 0.0).count();
        if (f.family == FamilyKind::binomial) n_fitted_one += (mu.head(len) > 1.0 - eps10).count();
        if (f.family != FamilyKind::gaussian) n_fitted_zero += (mu.head(len) < eps10).count();

        if (in.null_mode == NullMode::weighted_mean) {
            f.dev_resids(y, ArrayXd::Constant(len, in.null_mu), w, tmp.head(len));
            null_deviance += tmp.head(len).sum();
        } else if (in.null_mode == NullMode::linkinv_offset) {
            f.linkinv(d.offset.segment(b, len).array(), mu0.head(len));
            f.dev_resids(y, mu0.head(len), w, tmp.head(len));
            null_deviance += tmp.head(len).sum();
        }

        // R's fit$weights: the working weights of the step that produced the final coefficients.
        linear_predictor(d, f, in.previous, b, len, eta0);
        f.linkinv_and_mu_eta(eta0.head(len), mu0.head(len), me0.head(len));
        f.variance(mu0.head(len), var0.head(len));
        for (Index i = 0; i < len; ++i) {
            const bool good = w[i] > 0.0 && me0[i] != 0.0;
            const double wt = good ? w[i] * me0[i] * me0[i] / var0[i] : 0.0;
            const double res = (y[i] - mu[i]) / me[i];  // residuals(fit, "working")
            if (w[i] > 0.0) pearson += wt * res * res;
            wres[i] = good ? res * wt : 0.0;           // sandwich::estfun.glm's wres
        }
        if (in.robust == RobustKind::hc) {
            auto xb = xs.topRows(len);
            xb.noalias() = wres.head(len).abs().matrix().asDiagonal() * d.X.middleRows(b, len);
            meat.selfadjointView<Eigen::Lower>().rankUpdate(xb.transpose());
        } else if (in.robust == RobustKind::cluster) {
            auto xb = xs.topRows(len);
            xb.noalias() = wres.head(len).matrix().asDiagonal() * d.X.middleRows(b, len);
            for (Index i = 0; i < len; ++i) {
                const std::int64_t id = (*d.cluster)[static_cast<std::size_t>(b + i)];
                auto it = cluster_scores.find(id);
                if (it == cluster_scores.end()) cluster_scores.emplace(id, xb.row(i).transpose());
                else it->second += xb.row(i).transpose();
            }
        }
    }
}

FinalStats final_pass(const GlmData& d, const Family& f, const FinalInputs& in, Eigen::VectorXd* fitted) {
    const Index p = d.X.cols();
    if (fitted) fitted->resize(d.X.rows());
    return chunked<FinalStats>(
        d.X.rows(), [p, &in] { return FinalStats(p, in.robust); },
        [&](FinalStats& s, Index b, Index e) { s.consume(d, f, in, b, e, fitted); });
}

}  // namespace kohort::glm
