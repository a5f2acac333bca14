#include "kernels/genomics/gwas_logistic.hpp"

#include <omp.h>

#include <cmath>
#include <limits>

#include "core/error.hpp"
#include "core/error_counts.hpp"
#include "kernels/genomics/genotype_block.hpp"
#include "kernels/genomics/gwas_firth.hpp"

namespace kohort::gwas {

namespace {

// What a variant needs summed over the samples in the next round.
enum class Need {
    none,
    counts,       // first round: call and case counts, and the information and score at coef 0
    info_score,   // logistic Newton step: X'WX and X'(p - y)
    info_loglik,  // Firth: X'WX and the log-likelihood
    firth_score,  // Firth: X'(y - p + h (1/2 - p))
};
constexpr Eigen::Index kCounts = 5;  // called samples, sum g, sum g^2, called cases, sum g over cases

// plink2's LogisticRegressionF constants: convergence when the summed absolute Newton step is
// below 1e-4; failure (and so Firth) on the divergence patterns it tests for.
constexpr double kConverged = 1e-4;
// After plink2's stopping rule, Newton steps until the summed step is below kPolish (Newton
// converges quadratically there: one or two more rounds), so that the estimates are the
// likelihood's maximum to double precision, as R's glm gives it, at any number of ranks.
constexpr double kPolish = 1e-10;
constexpr int kMaxPolish = 10;
constexpr int kMaxIter = 60;  // beyond plink2's 14 (see logistic_step)

Eigen::Index packed(Eigen::Index m) { return m * (m + 1) / 2; }

Eigen::Index need_size(Need need, Eigen::Index m) {
    switch (need) {
        case Need::counts: return kCounts + packed(m) + m;
        case Need::info_score: return packed(m) + m;
        case Need::info_loglik: return packed(m) + 1;
        case Need::firth_score: return m;
        case Need::none: break;
    }
    return 0;
}

Eigen::MatrixXd unpack(const double* p, Eigen::Index m) {
    Eigen::MatrixXd H(m, m);
    for (Eigen::Index a = 0; a < m; ++a)
        for (Eigen::Index b = a; b < m; ++b) H(a, b) = H(b, a) = *p++;
    return H;
}

double softplus(double x) { return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)); }

struct Fit {
    Need need = Need::counts;
    Eigen::VectorXd coef;  // logistic: the Newton iterate
    Eigen::MatrixXd H0;    // information at coef 0, kept for a Firth restart
    double min_delta = 1e9;
    int iter = 0, polish = 0;
    bool polishing = false;
    bool firth = false;
    FirthState fs;
    VariantResult result;

    const Eigen::VectorXd& current() const { return firth ? fs.coef : coef; }
};

struct Workspace {
    DecodedBlock decoded;
    Eigen::MatrixXd X, XW, A;
    Eigen::VectorXd p, w, r;
};

// This rank's part of what `fit` needs, written to out[0, need_size). X = [C, g]; a sample with a
// missing call has weight and residual 0, which removes it from every sum.
void local_sums(const Fit& fit, const GwasSamples& s, const GenotypeReader::Block& raw, std::int64_t v,
                Workspace& ws, double* out) {
    decode_block(raw, v, 1, s.geno_index, ws.decoded);
    const auto& miss = ws.decoded.missing[0];
    const Eigen::Index n = s.C.rows(), k = s.C.cols(), m = k + 1;
    if (ws.X.rows() != n || ws.X.cols() != m) {
        ws.X.resize(n, m);
        ws.X.leftCols(k) = s.C;
    }
    ws.X.col(k) = ws.decoded.G.col(0);
    const auto g = ws.X.col(k);
    const Eigen::VectorXd& y = s.y;
    if (fit.need == Need::counts) {
        double cases = y.sum();
        for (const std::int32_t r : miss) cases -= y[r];
        out[0] = static_cast<double>(n) - static_cast<double>(miss.size());
        out[1] = g.sum();
        out[2] = g.squaredNorm();
        out[3] = cases;
        out[4] = y.dot(g);
        out += kCounts;
    }
    const Eigen::VectorXd eta = ws.X * fit.current();
    ws.p = (1.0 + (-eta.array()).exp()).inverse().matrix();
    ws.w = (ws.p.array() * (1.0 - ws.p.array())).matrix();
    for (const std::int32_t r : miss) ws.w[r] = 0;
    if (fit.need == Need::firth_score) {
        // h_i = w_i x_i' Hinv x_i, the diagonal of the hat matrix (Firth 1993, eq. 3).
        ws.A.noalias() = ws.X * fit.fs.Hinv;
        const Eigen::ArrayXd h = ws.w.array() * (ws.A.array() * ws.X.array()).rowwise().sum();
        ws.r = (y.array() - ws.p.array() + h * (0.5 - ws.p.array())).matrix();
        for (const std::int32_t r : miss) ws.r[r] = 0;
        Eigen::Map<Eigen::VectorXd>(out, m).noalias() = ws.X.transpose() * ws.r;
        return;
    }
    // The upper triangle of X'WX as m(m+1)/2 dot products (each vectorised, one fixed order):
    // for m of 5-10 this is about twice as fast as a GEMM, which also forms the lower half.
    ws.XW = ws.X.array().colwise() * ws.w.array();
    for (Eigen::Index a = 0; a < m; ++a)
        for (Eigen::Index b = a; b < m; ++b) *out++ = ws.XW.col(a).dot(ws.X.col(b));
    if (fit.need == Need::info_loglik) {
        double ll = 0;
        for (Eigen::Index i = 0; i < n; ++i) ll -= softplus(y[i] > 0.5 ? -eta[i] : eta[i]);
        for (const std::int32_t r : miss) ll += softplus(y[r] > 0.5 ? -eta[r] : eta[r]);
        *out = ll;
        return;
    }
    ws.r = ws.p - y;
    for (const std::int32_t r : miss) ws.r[r] = 0;
    Eigen::Map<Eigen::VectorXd>(out, m).noalias() = ws.X.transpose() * ws.r;
}

struct Rules {
    Eigen::Index m;
    bool has_intercept;
    double max_vif;
    bool firth_fallback;
    bool always_firth;
};

// plink2 (GlmDetermineCovars, CheckForSeparatedQtCovar): a covariate whose values among the cases
// and among the controls overlap in at most one point separates them; then no logistic fit can
// converge, and with firth-fallback plink2 fits every variant by Firth. Collective.
bool covariate_separates(const GwasSamples& s, bool has_intercept, const Comm& comm) {
    const Eigen::Index k = s.C.cols();
    constexpr double kBig = std::numeric_limits<double>::max();
    std::vector<double> lo(static_cast<std::size_t>(2 * k), kBig), hi(static_cast<std::size_t>(2 * k), -kBig);
    for (Eigen::Index i = 0; i < s.C.rows(); ++i) {
        const Eigen::Index c = s.y[i] > 0.5 ? 1 : 0;
        for (Eigen::Index j = 0; j < k; ++j) {
            auto& l = lo[static_cast<std::size_t>(2 * j + c)];
            auto& h = hi[static_cast<std::size_t>(2 * j + c)];
            l = std::min(l, s.C(i, j));
            h = std::max(h, s.C(i, j));
        }
    }
    comm.allreduce(lo, ReduceOp::min);
    comm.allreduce(hi, ReduceOp::max);
    for (Eigen::Index j = has_intercept ? 1 : 0; j < k; ++j) {
        const auto a = static_cast<std::size_t>(2 * j);
        if (std::max(lo[a], lo[a + 1]) >= std::min(hi[a], hi[a + 1])) return true;
    }
    return false;
}

// plink2 checks the predictors (covariates and genotype, without the intercept) on the called
// samples before fitting: no pair correlated above 0.999 and no VIF above --vif (default 50).
// X'X is 4 H0, the information at p = 1/2. Without an intercept column the check is skipped.
bool passes_vif(const Eigen::MatrixXd& H0, const Rules& rules) {
    if (!rules.has_intercept || rules.m < 2) return true;
    const Eigen::MatrixXd XtX = 4.0 * H0;
    const double n = XtX(0, 0);
    const Eigen::Index q = rules.m - 1;
    Eigen::MatrixXd corr(q, q);
    for (Eigen::Index i = 0; i < q; ++i)
        for (Eigen::Index j = 0; j < q; ++j)
            corr(i, j) = (XtX(i + 1, j + 1) - XtX(0, i + 1) * XtX(0, j + 1) / n) / (n - 1);
    const Eigen::VectorXd sd = corr.diagonal().cwiseSqrt();
    for (Eigen::Index i = 0; i < q; ++i)
        for (Eigen::Index j = 0; j < q; ++j) {
            corr(i, j) /= sd[i] * sd[j];
            if (i != j && !(std::fabs(corr(i, j)) <= 0.999)) return false;
        }
    Eigen::MatrixXd inv;
    if (!invert_spd(corr, inv)) return false;
    return inv.diagonal().maxCoeff() <= rules.max_vif;
}

// plink2's validParameters: the covariance must have positive finite variances (the intercept's
// is not checked) and no correlation of 0.99999 or more.
bool valid_parameters(const Eigen::MatrixXd& Hinv, const Rules& rules) {
    const Eigen::Index m = Hinv.rows();
    for (Eigen::Index a = rules.has_intercept ? 1 : 0; a < m; ++a)
        if (!(Hinv(a, a) >= 1e-20) || !std::isfinite(Hinv(a, a))) return false;
    for (Eigen::Index a = 1; a < m; ++a)
        for (Eigen::Index b = 0; b < a; ++b)
            if (Hinv(a, b) > 0.99999 * std::sqrt(Hinv(a, a)) * std::sqrt(Hinv(b, b))) return false;
    return true;
}

void finish(Fit& f, const Eigen::VectorXd& coef, const Eigen::MatrixXd& H_or_inv, bool inverted, const Rules& rules) {
    f.need = Need::none;
    Eigen::MatrixXd Hinv = H_or_inv;
    if (!inverted && !invert_spd(H_or_inv, Hinv)) return;  // plink2: INVALID_RESULT, NA
    if (!valid_parameters(Hinv, rules)) return;
    const Eigen::Index g = rules.m - 1;
    VariantResult& r = f.result;
    r.beta = coef[g];
    r.se = std::sqrt(Hinv(g, g));
    r.stat = r.beta / r.se;
    r.p = std::erfc(std::fabs(r.stat) / std::sqrt(2.0));  // Wald test, as plink2 reports it
}

void follow_firth(Fit& f, FirthAsk ask, const Rules& rules) {
    switch (ask) {
        case FirthAsk::information: f.need = Need::info_loglik; break;
        case FirthAsk::score: f.need = Need::firth_score; break;
        case FirthAsk::done: finish(f, f.fs.coef, f.fs.Hinv, true, rules); break;
        case FirthAsk::failed: f.need = Need::none; break;  // plink2: FIRTH_CONVERGE_FAIL, NA
    }
}

void start_firth(Fit& f, const Rules& rules) {
    if (!rules.firth_fallback) {
        f.need = Need::none;  // plink2 with no-firth: NA
        return;
    }
    f.firth = f.result.firth = true;
    // At coef 0 every p is 1/2: the log-likelihood is OBS_CT log(1/2) and the information H0.
    follow_firth(f, firth_start(f.fs, f.H0, static_cast<double>(f.result.obs) * std::log(0.5)), rules);
}

// One Newton step of plink2's LogisticRegressionF (in double), from the information H and the
// score grad = X'(p - y) at f.coef.
void logistic_step(Fit& f, const Eigen::MatrixXd& H, const Eigen::VectorXd& grad, const Rules& rules) {
    const Eigen::LLT<Eigen::MatrixXd> llt(H);
    if (llt.info() != Eigen::Success) return start_firth(f, rules);
    const Eigen::VectorXd dcoef = llt.solve(grad);
    const double delta = dcoef.cwiseAbs().sum();
    f.coef -= dcoef;
    f.need = Need::info_score;
    if (f.polishing) {
        if (delta < kPolish || ++f.polish >= kMaxPolish) finish(f, f.coef, H, false, rules);
        return;
    }
    f.min_delta = std::min(f.min_delta, delta);
    if (std::isnan(delta)) return start_firth(f, rules);
    const double max_coef = f.coef.cwiseAbs().maxCoeff();
    if (f.iter > 3) {
        if ((delta > 20 && delta > 2 * f.min_delta) || (f.iter > 6 && std::fabs(1.0 - delta) < 1e-3))
            return start_firth(f, rules);
        // plink2 gives up at iteration 14: divergence if a coefficient exceeds 8e3, otherwise it
        // reports the unconverged values as UNFINISHED. kohort has no ERRCODE column to flag
        // those, so it iterates on (double precision converges where single precision stalls),
        // and reports NA if that does not converge either.
        if (f.iter == 14 && max_coef > 8e3) return start_firth(f, rules);
        if (f.iter >= kMaxIter) {
            f.need = Need::none;
            return;
        }
    }
    if (delta < kConverged) {
        if (max_coef > 6e4) return start_firth(f, rules);
        f.polishing = true;
    }
    ++f.iter;
}

// The first round: counts, then plink2's checks in its order.
void on_counts(Fit& f, const double* sums, const Rules& rules) {
    const Eigen::Index m = rules.m;
    const double obs = sums[0], sum_g = sums[1], sum_g2 = sums[2], cases = sums[3], case_g = sums[4];
    VariantResult& r = f.result;
    r.obs = static_cast<std::int64_t>(obs);
    if (obs > 0) r.a1_freq = sum_g / (2 * obs);
    const bool a1_minor = sum_g <= 2 * obs - sum_g;
    r.minor_count = a1_minor ? sum_g : 2 * obs - sum_g;
    r.minor_count_cases = a1_minor ? case_g : 2 * cases - case_g;
    f.H0 = unpack(sums + kCounts, m);
    f.need = Need::none;
    // NA: too few samples (SAMPLE_CT<=PREDICTOR_CT), one genotype only (CONST_OMITTED_ALLELE),
    // collinear with the covariates (CORR_TOO_HIGH, VIF_TOO_HIGH). Sums of 0/1/2 are exact.
    if (obs <= static_cast<double>(m) || obs * sum_g2 == sum_g * sum_g || !passes_vif(f.H0, rules)) return;
    // An allele seen only in cases or only in controls separates them: plink2 goes straight to
    // Firth rather than wait for logistic regression to diverge.
    const double ref_g = 2 * obs - sum_g, ref_case = 2 * cases - case_g;
    if (rules.always_firth || case_g == 0 || case_g == sum_g || ref_case == 0 || ref_case == ref_g)
        return start_firth(f, rules);
    logistic_step(f, f.H0, Eigen::Map<const Eigen::VectorXd>(sums + kCounts + packed(m), m), rules);
}

void consume(Fit& f, const double* sums, const Rules& rules) {
    const Eigen::Index m = rules.m;
    switch (f.need) {
        case Need::counts: return on_counts(f, sums, rules);
        case Need::info_score:
            return logistic_step(f, unpack(sums, m), Eigen::Map<const Eigen::VectorXd>(sums + packed(m), m), rules);
        case Need::info_loglik: return follow_firth(f, firth_on_information(f.fs, unpack(sums, m), sums[packed(m)]), rules);
        case Need::firth_score:
            return follow_firth(f, firth_on_score(f.fs, Eigen::Map<const Eigen::VectorXd>(sums, m)), rules);
        case Need::none: return;
    }
}

}  // namespace

LogisticGwas::LogisticGwas(const GwasSamples& samples, const Comm& comm, double max_vif, bool firth_fallback,
                           const std::string& where)
    : s_(samples), comm_(comm), max_vif_(max_vif), firth_fallback_(firth_fallback) {
    has_intercept_ = !s_.covariate_terms.empty() && s_.covariate_terms.front() == "(Intercept)";
    Eigen::MatrixXd CtC = s_.C.transpose() * s_.C;
    comm.allreduce(CtC);
    const Eigen::LLT<Eigen::MatrixXd> llt(CtC);
    if (llt.info() != Eigen::Success ||
        llt.matrixLLT().diagonal().minCoeff() <= 1e-10 * std::sqrt(CtC.diagonal().maxCoeff()))
        throw UsageError(where + ": the covariates are collinear (their cross-product matrix is singular); "
                                 "drop a redundant covariate");
    always_firth_ = firth_fallback && gwas::covariate_separates(s_, has_intercept_, comm);
    const double cases = comm.allreduce(s_.y.sum());
    if (cases == 0 || cases == static_cast<double>(s_.n_total))
        throw UsageError(where + ": family = binomial needs both cases (1) and controls (0) among the " +
                         error_count(s_.n_total) + " samples; found " + (cases == 0 ? "no case" : "no control"));
}

void LogisticGwas::test_block(const GenotypeReader::Block& raw, std::int64_t nv, std::vector<VariantResult>& out) {
    const Rules rules{s_.C.cols() + 1, has_intercept_, max_vif_, firth_fallback_, always_firth_};
    std::vector<Fit> fits(static_cast<std::size_t>(nv));
    for (auto& f : fits) f.coef = Eigen::VectorXd::Zero(rules.m);
    std::vector<std::int64_t> active;
    std::vector<Eigen::Index> offset;
    std::vector<Workspace> workspaces(static_cast<std::size_t>(omp_get_max_threads()));  // kept across rounds
    for (;;) {
        // Every rank holds the same sums, so every rank finds the same variants still iterating.
        active.clear();
        offset.clear();
        Eigen::Index total = 0;
        for (std::int64_t v = 0; v < nv; ++v) {
            const Need need = fits[static_cast<std::size_t>(v)].need;
            if (need == Need::none) continue;
            active.push_back(v);
            offset.push_back(total);
            total += need_size(need, rules.m);
        }
        if (active.empty()) break;
        Eigen::VectorXd sums = Eigen::VectorXd::Zero(total);
        const auto n_active = static_cast<std::int64_t>(active.size());
        // One variant's sums are formed by one thread in a fixed order (Eigen single-threaded
        // inside the parallel loop): the results do not depend on the thread count.
#pragma omp parallel
        {
            Workspace& ws = workspaces[static_cast<std::size_t>(omp_get_thread_num())];
#pragma omp for schedule(dynamic)
            for (std::int64_t i = 0; i < n_active; ++i)
                local_sums(fits[static_cast<std::size_t>(active[i])], s_, raw, active[i], ws,
                           sums.data() + offset[static_cast<std::size_t>(i)]);
        }
        comm_.allreduce(sums);
        ++rounds_;
#pragma omp parallel for schedule(dynamic)
        for (std::int64_t i = 0; i < n_active; ++i)
            consume(fits[static_cast<std::size_t>(active[i])], sums.data() + offset[static_cast<std::size_t>(i)], rules);
    }
    for (const auto& f : fits) {
        out.push_back(f.result);
        firth_ += f.result.firth ? 1 : 0;
    }
}

}  // namespace kohort::gwas
