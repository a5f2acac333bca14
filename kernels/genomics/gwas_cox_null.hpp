// Surv GWAS, the null model: the Cox fit of the covariates alone (kernels/survival/cox_fit, the
// same Newton iteration as kind = cox), and the per-sample and per-event-time quantities that make
// every variant's score test linear algebra (docs/algorithms-gwas.md, "Cox score test").
//
// With the null estimates beta, risk r_i = exp(x_i'beta) and, per event time j with d_j deaths and
// Efron's terms k = 0..d_j-1 (den_jk = S0_j - (k/d_j) S0d_j):
//   H_i  = r_i sum_jk c_ijk / den_jk              (c_ijk = 1 at risk, minus k/d_j if i dies at j)
//   m_i  = delta_i - H_i                          martingale residual: U_g = g'm
//   Z_i  = r_i sum_jk c_ijk (x_i - xbar_jk)/den_jk    I_gx = g'Z, I_xx = X'Z
//   I_gg = sum_i g_i^2 H_i - sum_j [A_j^2 q0_j - 2 A_j B_j q1_j + B_j^2 q2_j]
// where A_j = sum_{risk set} r g, B_j = sum_{deaths at j} r g, and q0, q1, q2 are Efron's
// sums of 1/den^2, (k/d)/den^2, (k/d)^2/den^2 (Therneau & Grambsch 2000, section 3.3).
#pragma once
#include <Eigen/Dense>
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/genomics/gwas_samples.hpp"
#include "mpi/comm.hpp"

namespace kohort::gwas {

struct CoxNullModel {
    Eigen::Index p = 0;                       // covariate columns
    std::int64_t bins = 0;                    // distinct event times, all ranks
    std::int64_t events = 0;                  // all ranks
    Eigen::VectorXd beta;                     // the covariates' null estimates (original scale)
    int iterations = 0;
    bool converged = false;
    // Per local sample (genotype order):
    Eigen::VectorXd risk;                     // r_i
    Eigen::VectorXd cumhaz;                   // H_i
    Eigen::MatrixXd W;                        // [m, Z]: one GEMM gives U_g and I_gx
    std::vector<std::int64_t> bin;            // last event time <= t_i (-1: never at risk)
    std::vector<std::int64_t> event_rows;     // samples with an event
    std::vector<std::int64_t> tied_rows;      // event samples whose time has several deaths
    std::vector<std::int64_t> tied_slot;      // ... and that time's slot among tied times
    // Per event time (global): q0; per tied time: q1, q2.
    std::vector<double> q0, q1, q2;
    std::vector<std::int64_t> tied_bin;       // slot -> bin
    // All ranks: I_xx = X'Z and U_x = X'm (0 up to the fit's convergence).
    Eigen::MatrixXd info;
    Eigen::LDLT<Eigen::MatrixXd> info_ldlt;
    Eigen::VectorXd score_x;
    std::int64_t tied_bins() const { return static_cast<std::int64_t>(tied_bin.size()); }
};

// Collective. Fits Surv(time, status) ~ covariates (Efron ties) and derives the terms above.
// Throws UsageError (the same on every rank) for bad times, no events or collinear covariates;
// response_columns name the Surv() columns in those messages.
CoxNullModel fit_null_model(const GwasSamples& samples, const Comm& comm, const std::string& where,
                            const std::vector<std::string>& response_columns);

// The frame of a Cox fit of the samples: covariates, plus `extra` as a last column when non-empty
// (the refit of one variant). Shared by the null fit and the refits.
ModelFrame cox_frame(const GwasSamples& samples, const Eigen::VectorXd* extra);

}  // namespace kohort::gwas
