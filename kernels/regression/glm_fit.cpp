#include "kernels/regression/glm_fit.hpp"

#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <cstdint>
#include <map>

#include "core/error.hpp"
#include "core/error_counts.hpp"
#include "kernels/regression/glm_irls.hpp"
#include "kernels/regression/glm_pass.hpp"
#include "kernels/regression/glm_robust.hpp"

namespace kohort::glm {
namespace {

// Global counts of rows R's glm would refuse or warn about.
struct InputCheck {
    std::int64_t negative_weight = 0, nonfinite = 0, out_of_domain = 0, non_integer = 0, positive_weight = 0;
};

InputCheck check_input(const ModelFrame& f, const Family& fam, const Comm& comm) {
    InputCheck c;
    const Eigen::Index n = f.n_local();
    for (Eigen::Index i = 0; i < n; ++i) {
        const double w = f.weights[i], y = f.y[i];
        if (w < 0) c.negative_weight += 1;
        if (w > 0) c.positive_weight += 1;
        if (!std::isfinite(w) || !std::isfinite(y) || !std::isfinite(f.offset[i])) c.nonfinite += 1;
        switch (fam.family) {
            case FamilyKind::binomial: {
                // binomial()$initialize sets y to 0 where the weight is 0, then checks 0 <= y <= 1.
                const double yy = w == 0 ? 0.0 : y;
                if (yy < 0 || yy > 1) c.out_of_domain += 1;
                const double m = w * yy;
                if (std::fabs(m - std::nearbyint(m)) > 1e-3) c.non_integer += 1;
                break;
            }
            case FamilyKind::poisson:
                if (y < 0) c.out_of_domain += 1;
                if (y != std::nearbyint(y)) c.non_integer += 1;
                break;
            case FamilyKind::gaussian: break;
        }
    }
    if (!f.X.allFinite()) c.nonfinite += 1;
    std::vector<std::int64_t> buf{c.negative_weight, c.nonfinite, c.out_of_domain, c.non_integer, c.positive_weight};
    comm.allreduce(buf);
    return {buf[0], buf[1], buf[2], buf[3], buf[4]};
}

double p_normal(double z) { return std::erfc(std::fabs(z) / std::sqrt(2.0)); }

double p_student(double t, double df) {
    if (!std::isfinite(t) || !(df > 0)) return NAN;
    return 2.0 * boost::math::cdf(boost::math::students_t_distribution<double>(df), -std::fabs(t));
}

// Phase 1: the frame's rows are checked (all ranks agree) before any iteration.
void check_frame(const ModelFrame& frame, const Family& fam, const Comm& comm, const std::string& where, GlmFit& fit) {
    const Eigen::Index p = frame.X.cols();
    if (frame.y.size() != frame.n_local())
        throw UsageError(where + ": kind = glm needs a response column on the left of '~' (found none)");
    fit.n = frame.n_total;
    fit.n_dropped_missing = frame.n_dropped_missing;
    if (frame.n_total == 0)
        throw UsageError(where + ": no rows left to fit after dropping " + error_rows(frame.n_dropped_missing) +
                         " with missing values (expected at least one complete row)");

    const InputCheck chk = check_input(frame, fam, comm);
    if (chk.nonfinite > 0)
        throw UsageError(where + ": " + error_rows(chk.nonfinite) +
                         " with an infinite value in the response, a covariate, the weights or the offset "
                         "(expected finite numbers)");
    if (chk.negative_weight > 0)
        throw UsageError(where + ": " + error_rows(chk.negative_weight) +
                         " with a negative weight (expected weights >= 0)");
    if (chk.out_of_domain > 0) {
        if (fam.family == FamilyKind::binomial)
            throw UsageError(where + ": " + error_rows(chk.out_of_domain) +
                             " with a response outside [0, 1] (expected 0/1, a bool, or a proportion with "
                             "weights = trials for family = binomial)");
        throw UsageError(where + ": " + error_rows(chk.out_of_domain) +
                         " with a negative response (expected counts >= 0 for family = poisson)");
    }
    if (p > chk.positive_weight)
        throw UsageError(where + ": the model has " + std::to_string(p) + " parameters but only " +
                         error_rows(chk.positive_weight) +
                         " with positive weight (expected at least as many rows as parameters)");
    fit.n_positive_weight = chk.positive_weight;
    if (chk.non_integer > 0) {
        if (fam.family == FamilyKind::binomial) fit.warnings.push_back("non-integer #successes in a binomial glm!");
        else fit.warnings.push_back("non-integer response in a poisson glm: R's dpois gives -Inf, so AIC is infinite");
    }
}

// Phase 2: IRLS from R's mustart.
IrlsResult fit_irls(const GlmData& data, const GlmOptions& opt, const Eigen::VectorXd& mustart, const Comm& comm,
                    GlmFit& fit) {
    IrlsResult irls = run_irls(data, opt.family, mustart, comm, opt.epsilon, opt.maxit, opt.where);
    if (!irls.factor)
        throw UsageError(opt.where + ": the IRLS fit failed on its first iteration (" +
                         (irls.warnings.empty() ? std::string("no valid step") : irls.warnings.front()) + ")");
    fit.warnings.insert(fit.warnings.end(), irls.warnings.begin(), irls.warnings.end());
    fit.converged = irls.converged;
    fit.boundary = irls.boundary;
    fit.iterations = irls.iterations;
    fit.data_passes = irls.passes + 1;  // + the final pass
    fit.deviance = irls.deviance;
    return irls;
}

struct FinalPhase {
    FinalStats stats;
    Eigen::VectorXd fitted;  // for the null model's start, when it is refitted
    double n_clusters = 0;
    RobustKind robust = RobustKind::none;
    bool refit_null = false;
};

// Phase 3: one final pass gives AIC, dispersion, separation, the null deviance and the sandwich
// meat; one allreduce merges them.
FinalPhase final_phase(const GlmData& data, const ModelFrame& frame, const GlmOptions& opt, const IrlsResult& irls,
                       const Eigen::VectorXd& mustart, const Comm& comm, GlmFit& fit) {
    const Family& fam = opt.family;
    const Eigen::Index p = frame.X.cols();
    FinalPhase out;
    FinalInputs fin;
    fin.beta = &irls.beta;
    fin.previous = irls.weights_from_start ? EtaSource{nullptr, &mustart} : EtaSource{&irls.beta_weights, nullptr};
    out.refit_null = frame.has_intercept && opt.has_offset;
    if (frame.has_intercept && !opt.has_offset) {
        fin.null_mode = NullMode::weighted_mean;
        fin.null_mu = irls.sum_wy / irls.sum_w;
    } else if (!frame.has_intercept) {
        fin.null_mode = NullMode::linkinv_offset;
    }
    fit.cluster_robust = frame.has_cluster;
    fit.robust_type = opt.robust.empty() && frame.has_cluster ? "HC0" : opt.robust;
    fin.robust = frame.has_cluster ? RobustKind::cluster : (opt.robust.empty() ? RobustKind::none : RobustKind::hc);
    out.robust = fin.robust;

    out.stats = final_pass(data, fam, fin, out.refit_null ? &out.fitted : nullptr);
    if (fin.robust == RobustKind::cluster) {
        out.stats.meat = cluster_meat(out.stats.cluster_scores, p, comm, out.n_clusters);
        out.stats.cluster_scores.clear();
    }
    std::vector<double> buf = out.stats.pack();
    buf.push_back(out.n_clusters);
    comm.allreduce(buf);
    out.n_clusters = buf.back();
    buf.pop_back();
    out.stats.unpack(buf);
    fit.n_clusters = static_cast<std::int64_t>(out.n_clusters);

    if (fam.family == FamilyKind::binomial && out.stats.n_fitted_one + out.stats.n_fitted_zero > 0)
        fit.warnings.push_back(
            "glm.fit: fitted probabilities numerically 0 or 1 occurred (complete or quasi-complete separation: "
            "the affected estimates and standard errors are not meaningful)");
    if (fam.family == FamilyKind::poisson && out.stats.n_fitted_zero > 0)
        fit.warnings.push_back("glm.fit: fitted rates numerically 0 occurred");
    return out;
}

// Phase 4: the null deviance. glm(): with an offset and an intercept, it is that of the
// intercept-only model fitted with the offset, started from the full model's fitted values.
void null_deviance_phase(const ModelFrame& frame, const GlmOptions& opt, const FinalPhase& fp, const Comm& comm,
                         GlmFit& fit) {
    if (!fp.refit_null) {
        fit.null_deviance = fp.stats.null_deviance;
        return;
    }
    const Eigen::MatrixXd ones = Eigen::MatrixXd::Ones(frame.n_local(), 1);
    const GlmData null_data{ones, frame.y, frame.weights, frame.offset, nullptr};
    IrlsResult null_fit = run_irls(null_data, opt.family, fp.fitted, comm, opt.epsilon, opt.maxit, opt.where);
    if (!null_fit.converged)
        fit.warnings.push_back("fitting to calculate the null deviance did not converge -- increase 'maxit'?");
    fit.null_deviance = null_fit.deviance;
    fit.data_passes += null_fit.passes;
}

// Phase 5: summary.glm: degrees of freedom, AIC, dispersion, (robust) covariance, coefficients.
void summary_phase(const ModelFrame& frame, const Family& fam, const IrlsResult& irls, const FinalPhase& fp,
                   GlmFit& fit) {
    const Eigen::Index p = frame.X.cols();
    const FinalStats& stats = fp.stats;
    const AliasedCholesky& factor = *irls.factor;
    const std::vector<int>& kept = factor.kept();
    const auto rank = static_cast<std::int64_t>(kept.size());
    const auto n_ok = static_cast<std::int64_t>(stats.n_positive_weight);
    fit.rank = rank;
    fit.df_residual = n_ok - rank;
    fit.df_null = n_ok - (frame.has_intercept ? 1 : 0);
    fit.aic = fam.aic(stats.aic_terms, stats.n_rows, fit.deviance) + 2.0 * static_cast<double>(rank);
    if (fam.fixed_dispersion()) fit.dispersion = 1.0;
    else fit.dispersion = fit.df_residual > 0 ? stats.pearson / static_cast<double>(fit.df_residual) : NAN;
    fit.statistic_is_t = !fam.fixed_dispersion();

    const Eigen::MatrixXd unscaled = factor.inverse();
    fit.covariance = fit.dispersion * unscaled;
    if (fp.robust != RobustKind::none) {
        RobustScaling sc;
        sc.n_rows = stats.n_rows;
        sc.n_positive_weight = stats.n_positive_weight;
        sc.rank = static_cast<double>(rank);
        sc.n_clusters = fp.n_clusters;
        sc.cluster = fp.robust == RobustKind::cluster;
        sc.hc1 = fit.robust_type == "HC1";
        fit.robust_covariance = sandwich_covariance(unscaled, stats.meat, kept, sc);
    }

    Eigen::Index k = 0;
    for (Eigen::Index j = 0; j < p; ++j) {
        GlmCoefficient c;
        c.term = j < static_cast<Eigen::Index>(frame.terms.size()) ? frame.terms[static_cast<std::size_t>(j)]
                                                                   : "X" + std::to_string(j + 1);
        if (factor.aliased(j)) {
            c.aliased = true;
            fit.coefficients.push_back(c);
            continue;
        }
        c.estimate = irls.beta[j];
        c.se = std::sqrt(fit.covariance(k, k));
        c.statistic = c.estimate / c.se;
        c.p = fit.statistic_is_t ? p_student(c.statistic, static_cast<double>(fit.df_residual)) : p_normal(c.statistic);
        if (fit.robust_covariance.size() > 0) {
            c.robust_se = std::sqrt(fit.robust_covariance(k, k));
            c.robust_statistic = c.estimate / c.robust_se;
            c.robust_p = p_normal(c.robust_statistic);  // lmtest::coeftest on a glm uses df = Inf
        }
        fit.coefficients.push_back(c);
        ++k;
    }
}

}  // namespace

GlmFit fit_glm(const ModelFrame& frame, const GlmOptions& opt, const Comm& comm) {
    GlmFit fit;
    fit.family = opt.family;
    check_frame(frame, opt.family, comm, opt.where, fit);
    const GlmData data{frame.X, frame.y, frame.weights, frame.offset,
                       frame.has_cluster ? &frame.cluster : nullptr};
    Eigen::VectorXd mustart(frame.n_local());
    opt.family.mustart(frame.y.array(), frame.weights.array(), mustart.array());
    const IrlsResult irls = fit_irls(data, opt, mustart, comm, fit);
    const FinalPhase fp = final_phase(data, frame, opt, irls, mustart, comm, fit);
    null_deviance_phase(frame, opt, fp, comm, fit);
    summary_phase(frame, opt.family, irls, fp, fit);
    return fit;
}

}  // namespace kohort::glm
