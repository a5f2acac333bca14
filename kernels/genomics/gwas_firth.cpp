#include "kernels/genomics/gwas_firth.hpp"

#include <cmath>

namespace kohort::gwas {

namespace {

// plink2's FirthRegression constants (logistf's defaults, maxit 25): a step no longer than 5 in
// any coefficient, at most 5 step halvings, convergence when the largest step and the largest
// score are at most 1e-4 and the penalised log-likelihood changed by at most 1e-4.
constexpr int kMaxIterM1 = 24;
constexpr int kMaxIterExtended = 200;
constexpr double kMaxStep = 5.0;
constexpr double kXConv = 1e-4, kGConv = 1e-4, kLConv = 1e-4;
// After plink2's stopping rule is met (which leaves errors of order 1e-4), Newton steps from there
// until the largest step is below kPolish, so that the estimates are those of the penalised
// likelihood's maximum to double precision and so independent of the number of ranks.
constexpr double kPolish = 1e-10;
constexpr int kMaxPolish = 25;

double max_abs(const Eigen::VectorXd& v) { return v.size() ? v.cwiseAbs().maxCoeff() : 0.0; }

// The top of plink2's iteration loop: Hinv holds the inverse information at coef.
FirthAsk iteration_top(FirthState& s) {
    if (s.last) {
        if (s.exhausted) return FirthAsk::failed;
        s.last = false;
        s.polishing = true;
    }
    return FirthAsk::score;
}

FirthAsk end_iteration(FirthState& s) {
    const double change = s.penalised - s.penalised_old;
    if (std::fabs(change) <= kLConv && (s.converged_step || s.halfstep_bail)) {
        s.last = true;
    } else if (s.iter == kMaxIterM1) {
        // plink2 stops here and reports the values as UNFINISHED; kohort has no ERRCODE column to
        // flag them and iterates on (slow convergence, e.g. a covariate that separates the
        // outcome, drives one coefficient far out), up to kMaxIterExtended, then NA.
        s.unfinished = true;
    } else if (s.iter == kMaxIterExtended) {
        s.last = s.exhausted = true;
    }
    ++s.iter;
    return iteration_top(s);
}

}  // namespace

bool invert_spd(const Eigen::MatrixXd& H, Eigen::MatrixXd& Hinv, double* log_det) {
    const Eigen::LLT<Eigen::MatrixXd> llt(H);
    if (llt.info() != Eigen::Success) return false;
    const Eigen::VectorXd d = llt.matrixLLT().diagonal();
    if (!(d.minCoeff() > 0) || !d.allFinite()) return false;
    Hinv = llt.solve(Eigen::MatrixXd::Identity(H.rows(), H.cols()));
    if (log_det) *log_det = 2.0 * d.array().log().sum();
    return Hinv.allFinite();
}

FirthAsk firth_start(FirthState& s, const Eigen::MatrixXd& H0, double loglik0) {
    s = FirthState{};
    s.coef = Eigen::VectorXd::Zero(H0.rows());
    double log_det = 0;
    if (!invert_spd(H0, s.Hinv, &log_det)) return FirthAsk::failed;
    s.penalised = loglik0 + 0.5 * log_det;
    return iteration_top(s);
}

FirthAsk firth_on_score(FirthState& s, const Eigen::VectorXd& U) {
    s.dcoef = s.Hinv * U;
    s.dcoef_max = max_abs(s.dcoef);
    if (s.polishing) {
        // Firth's iteration uses the information, not the Jacobian of the modified score, so near
        // the maximum it converges only linearly, and for a variant with one or two carriers it
        // can settle into a 2-cycle (each step overshoots by the one before, ratio -1). When a
        // step reverses the previous one (ratio r < 0) the step is scaled by 1/(1 - r), the
        // secant estimate of the step that lands on the root (Aitken's delta-squared).
        if (s.last_step.size() == s.dcoef.size() && s.last_step.squaredNorm() > 0) {
            const double r = s.dcoef.dot(s.last_step) / s.last_step.squaredNorm();
            if (r < 0) s.damping /= 1.0 - r;
        }
        s.last_step = s.dcoef;
        s.coef += s.damping * s.dcoef;
        ++s.polish;
        return FirthAsk::information;
    }
    s.grad_max = max_abs(U);
    if (s.dcoef_max > kMaxStep) {
        s.dcoef *= kMaxStep / s.dcoef_max;
        s.dcoef_max = kMaxStep;
    }
    s.coef += s.dcoef;
    s.converged_step = s.dcoef_max <= kXConv && s.grad_max < kGConv;
    s.penalised_old = s.penalised;
    // On the last iteration the change is often rounding noise; plink2 then accepts a step that
    // lowers the penalised likelihood by less than lconv rather than trying every halving.
    s.threshold = s.penalised_old - (s.converged_step ? 0.999999 * kLConv : 0.0);
    s.max_halfsteps = 5;
    s.halfstep = 1;
    return FirthAsk::information;
}

FirthAsk firth_on_information(FirthState& s, const Eigen::MatrixXd& H, double loglik) {
    double log_det = 0;
    if (!invert_spd(H, s.Hinv, &log_det)) return FirthAsk::failed;
    s.penalised = loglik + 0.5 * log_det;
    if (s.polishing) return (s.dcoef_max < kPolish || s.polish >= kMaxPolish) ? FirthAsk::done : FirthAsk::score;
    // Step halving (plink2's loop, kept step for step so that the same variants converge).
    if (s.halfstep > s.max_halfsteps) return end_iteration(s);
    if (s.penalised >= s.threshold) {
        if (s.penalised >= s.penalised_old) return end_iteration(s);
        s.max_halfsteps = s.halfstep;
    } else if (s.halfstep == s.max_halfsteps) {
        if (s.dcoef_max < 1e-3 && s.grad_max < 0.05 && s.penalised >= s.penalised_old - kLConv) {
            // plink2: converged as far as the arithmetic allows; undo the whole step and stop.
            --s.halfstep;
            --s.max_halfsteps;
            s.halfstep_bail = true;
        }
    }
    s.coef -= s.dcoef * std::exp2(-static_cast<double>(s.halfstep));
    ++s.halfstep;
    return FirthAsk::information;
}

}  // namespace kohort::gwas
