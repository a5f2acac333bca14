// Distributed Fine-Gray subdistribution-hazards fit, matching cmprsk::crr (no cov2, one censoring
// group): Newton-Raphson from 0 with crr's convergence test and backtracking line search, and
// crr's default sandwich variance (finegray_variance.hpp). See docs/algorithms-finegray.md.
#pragma once
#include <Eigen/Dense>
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/survival/finegray_rows.hpp"
#include "mpi/comm.hpp"

namespace kohort::survival {

struct FineGrayOptions {
    double gtol = 1e-6;  // crr's gtol
    int maxiter = 10;    // crr's maxiter
};

struct FineGrayFit {
    int p = 0;
    Eigen::VectorXd beta;
    Eigen::MatrixXd var;          // crr's $var (sandwich with the censoring term)
    Eigen::MatrixXd invinf;       // crr's $invinf (inverse information, the naive variance)
    Eigen::VectorXd score;        // crr's $score at the estimate
    double loglik = 0, loglik_null = 0;
    bool converged = false;
    int iterations = 0;           // Newton steps taken
    std::int64_t n = 0, events = 0, competing_events = 0, censored = 0;
    std::int64_t bins = 0, distinct_times = 0;
    std::size_t bytes_per_iteration = 0;
};

// Collective over comm. `terms` name the columns of rows.X (for messages); `what` names the model.
// Throws UsageError when there is no failure of the cause of interest or the information matrix
// is singular (a constant or collinear covariate; crr stops in solve() there too).
FineGrayFit fit_finegray(const FineGrayRows& rows, const FineGrayOptions& options, const Comm& comm,
                         const std::string& what, const std::vector<std::string>& terms);

}  // namespace kohort::survival
