// R's glm.fit IRLS loop (R 4.2 src/library/stats/R/glm.R), distributed: the loop is run by every
// rank in lockstep on allreduced step statistics, so every decision (convergence, step halving,
// stops) is taken identically everywhere.
#pragma once
#include <Eigen/Dense>
#include <optional>
#include <string>
#include <vector>

#include "kernels/regression/glm_pass.hpp"
#include "kernels/regression/glm_solve.hpp"
#include "mpi/comm.hpp"

namespace kohort::glm {

struct IrlsResult {
    Eigen::VectorXd beta;          // final coefficients, 0 at aliased columns
    // The linear predictor that produced the working weights of the last solve (R's fit$weights
    // and fit$qr): the coefficients before the last update, or mustart on the first iteration.
    Eigen::VectorXd beta_weights;
    bool weights_from_start = true;
    std::optional<AliasedCholesky> factor;  // of X'WX at those weights (summary.glm's cov.unscaled)
    double deviance = NAN;
    int iterations = 0;
    bool converged = false;
    bool boundary = false;
    double sum_w = 0, sum_wy = 0;   // for the null model's weighted mean
    int passes = 0;                 // passes over the rows (iterations + start + step halvings)
    std::vector<std::string> warnings;
};

// Adds a step's statistics over all ranks with one allreduce.
void allreduce_step(IrlsStep& step, const Comm& comm);

// mustart: this rank's starting fitted values (family$initialize, or a previous fit's mu).
// Throws UsageError naming `where` where R's glm.fit would stop().
IrlsResult run_irls(const GlmData& data, const Family& family, const Eigen::VectorXd& mustart, const Comm& comm,
                    double epsilon, int maxit, const std::string& where);

}  // namespace kohort::glm
