#include "kernels/regression/glm_irls.hpp"

#include <algorithm>
#include <cmath>

#include "core/error.hpp"
#include "mpi/preemption.hpp"

namespace kohort::glm {
namespace {

void warn_once(std::vector<std::string>& warnings, const std::string& w) {
    if (std::find(warnings.begin(), warnings.end(), w) == warnings.end()) warnings.push_back(w);
}

}  // namespace

void allreduce_step(IrlsStep& step, const Comm& comm) {
    std::vector<double> buf = step.pack();
    comm.allreduce(buf);
    step.unpack(buf);
}

IrlsResult run_irls(const GlmData& data, const Family& family, const Eigen::VectorXd& mustart, const Comm& comm,
                    double epsilon, int maxit, const std::string& where) {
    const Eigen::Index p = data.X.cols();
    IrlsResult out;
    const auto pass = [&](const EtaSource& src) {
        ++out.passes;
        IrlsStep s = irls_pass(data, family, src);
        allreduce_step(s, comm);
        safe_point(comm);  // preemption: between IRLS passes (contract section 9)
        return s;
    };

    IrlsStep step = pass(EtaSource{nullptr, &mustart});
    out.sum_w = step.sum_w;
    out.sum_wy = step.sum_wy;
    if (step.n_invalid_mu > 0 || step.n_nonfinite > 0)
        throw UsageError(where + ": cannot find valid starting values for the IRLS fit (R: glm.fit stops here)");
    double devold = step.deviance;

    Eigen::VectorXd beta = Eigen::VectorXd::Zero(p);  // the step's reference coefficients
    Eigen::VectorXd coefold;
    bool have_coefold = false;
    bool weights_from_start = true;
    out.beta_weights = beta;

    int iter = 1;
    for (; iter <= maxit; ++iter) {
        if (step.n_bad_variance > 0)
            throw UsageError(where + ": the variance function is 0 or NA at the current fit (R: glm.fit stops with "
                                     "\"0s in V(mu)\")");
        if (step.n_good == 0) {
            warn_once(out.warnings, "no observations informative at iteration " + std::to_string(iter));
            out.converged = false;
            break;
        }
        AliasedCholesky factor(step.xtwx);
        const Eigen::VectorXd delta = factor.solve(step.xtwr);
        if (!delta.allFinite()) {
            warn_once(out.warnings, "non-finite coefficients at iteration " + std::to_string(iter));
            out.converged = false;
            break;
        }
        // The weights of this solve came from `beta` (or from mustart on the first iteration).
        out.beta_weights = beta;
        out.weights_from_start = weights_from_start;
        out.factor = factor;

        Eigen::VectorXd next = beta + delta;
        for (Eigen::Index j = 0; j < p; ++j)
            if (factor.aliased(j)) next[j] = 0.0;
        beta = next;
        weights_from_start = false;
        step = pass(EtaSource{&beta, nullptr});

        out.boundary = false;
        if (!std::isfinite(step.deviance)) {
            if (!have_coefold)
                throw UsageError(where + ": no valid set of coefficients has been found (R: glm.fit stops; the "
                                         "model diverges on the first step)");
            warn_once(out.warnings, "step size truncated due to divergence");
            for (int ii = 1; !std::isfinite(step.deviance); ++ii) {
                if (ii > maxit) throw UsageError(where + ": inner loop 1; cannot correct step size (R: glm.fit stops)");
                beta = (beta + coefold) / 2.0;
                step = pass(EtaSource{&beta, nullptr});
            }
            out.boundary = true;
        }
        if (step.n_invalid_mu > 0) {
            if (!have_coefold)
                throw UsageError(where + ": no valid set of coefficients has been found (R: glm.fit stops; fitted "
                                         "values leave the family's range on the first step)");
            warn_once(out.warnings, "step size truncated: out of bounds");
            for (int ii = 1; step.n_invalid_mu > 0; ++ii) {
                if (ii > maxit) throw UsageError(where + ": inner loop 2; cannot correct step size (R: glm.fit stops)");
                beta = (beta + coefold) / 2.0;
                step = pass(EtaSource{&beta, nullptr});
            }
            out.boundary = true;
        }
        out.deviance = step.deviance;
        if (std::fabs(step.deviance - devold) / (0.1 + std::fabs(step.deviance)) < epsilon) {
            out.converged = true;
            break;
        }
        devold = step.deviance;
        coefold = beta;
        have_coefold = true;
    }
    out.iterations = std::min(iter, maxit);
    out.beta = beta;
    if (!out.converged) warn_once(out.warnings, "glm.fit: algorithm did not converge");
    if (out.boundary) warn_once(out.warnings, "glm.fit: algorithm stopped at boundary value");
    return out;
}

}  // namespace kohort::glm
