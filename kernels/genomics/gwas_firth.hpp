// Firth's penalised logistic regression of one variant (Firth 1993; Heinze and Schemper 2002), as
// plink2 --glm runs it when logistic regression fails: plink2's FirthRegression, a port of R's
// logistf, here in double precision (docs/algorithms-gwas.md).
//
// The fit is a state machine so that the ranks can run every variant of a block in lockstep: each
// step says which sums over the samples it needs next (the Fisher information X'WX and the
// log-likelihood at coef, or the Firth-modified score at coef), the driver (gwas_logistic.cpp)
// sums them for every waiting variant in one allreduce, and hands them back.
#pragma once
#include <Eigen/Dense>

namespace kohort::gwas {

enum class FirthAsk {
    information,  // X'WX and the log-likelihood at coef
    score,        // U* = X'(y - p + h (1/2 - p)) at coef, h_i = w_i x_i' Hinv x_i
    done,         // coef and Hinv are the estimates and their covariance
    failed,       // the information matrix became singular (plink2: FIRTH_CONVERGE_FAIL)
};

struct FirthState {
    Eigen::VectorXd coef, dcoef;
    Eigen::VectorXd last_step;  // polishing: the previous undamped step
    double damping = 1.0;       // polishing: fraction of the step taken
    Eigen::MatrixXd Hinv;      // inverse information at coef
    double penalised = 0;      // log-likelihood + log|I(coef)| / 2
    double penalised_old = 0, threshold = 0;
    double grad_max = 0, dcoef_max = 0;
    int iter = 0, halfstep = 1, max_halfsteps = 5, polish = 0;
    bool converged_step = false, halfstep_bail = false, last = false, polishing = false;
    bool unfinished = false;   // past plink2's iteration limit (where it reports UNFINISHED)
    bool exhausted = false;    // not converged at kohort's own limit either: NA
};

// Starts at coef = 0, where the information H0 and the log-likelihood loglik0 are already known.
FirthAsk firth_start(FirthState& s, const Eigen::MatrixXd& H0, double loglik0);
// The sums asked for by the previous step.
FirthAsk firth_on_information(FirthState& s, const Eigen::MatrixXd& H, double loglik);
FirthAsk firth_on_score(FirthState& s, const Eigen::VectorXd& U);

// Inverse of a symmetric positive definite matrix and its log-determinant; false when H is not
// positive definite.
bool invert_spd(const Eigen::MatrixXd& H, Eigen::MatrixXd& Hinv, double* log_det = nullptr);

}  // namespace kohort::gwas
