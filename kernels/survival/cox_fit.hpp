// Distributed Cox proportional-hazards fit, matching R survival's coxph.
//
// Rows are moved once to the rank that owns their event times (cox_distribute.hpp). Per Newton
// iteration every rank streams its rows once into its event times' sums (risk_set.hpp), one
// exclusive scan joins the suffix sums across ranks and one allreduce sums the log-likelihood,
// score and information, so every rank takes the same step. The iteration, convergence test and step-halving follow
// coxfit6 (Surv(time, status)) and agfit4 (Surv(start, stop, status)); see docs/algorithms-cox.md.
#pragma once
#include <Eigen/Dense>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "formula/model_frame.hpp"
#include "kernels/survival/risk_set.hpp"
#include "mpi/comm.hpp"

namespace kohort {

// How ranks combine the per-event-time sums (docs/algorithms-cox.md, "Distributed algorithm").
enum class CoxCommunication {
    by_time,    // rows moved once to the rank owning their exit time; per pass a scan and an
                // allreduce of 1 + p + p(p+1)/2 doubles, whatever the number of event times
    allreduce,  // rows stay; per pass an allreduce of every event time's sums (T blocks)
};

struct CoxOptions {
    CoxTies ties = CoxTies::efron;
    int iter_max = 20;                                   // coxph.control iter.max
    double eps = 1e-9;                                   // relative log-likelihood change
    double toler_chol = 1.818989403545856e-12;           // .Machine$double.eps^0.75
    double toler_inf() const { return std::sqrt(eps); }  // coxph.control toler.inf
    // Robust (sandwich) variance: unset means R's default, on when the frame has a cluster
    // column or some case weight is not an integer.
    std::optional<bool> robust;
    CoxCommunication communication = CoxCommunication::by_time;
};

struct CoxFit {
    int p = 0;
    Eigen::VectorXd beta;                 // original scale; NaN where the column is redundant
    Eigen::MatrixXd var;                  // inverse information, original scale (0 rows for redundant)
    std::optional<Eigen::MatrixXd> robust_var;
    std::vector<bool> redundant;          // NA in R (constant or collinear column)
    std::vector<bool> constant;           // the column is constant over the used rows
    std::vector<bool> maybe_infinite;     // "Loglik converged before variable ..."
    double loglik_null = 0, loglik = 0;   // at beta = 0 (with offset) and at the estimate
    double score_test = 0;
    std::optional<double> robust_score_test;
    double wald_test = 0;                 // uses robust_var when robust
    int df = 0;                           // number of estimated (non-redundant) coefficients
    int iterations = 0;                   // as R's fit$iter
    bool converged = false;
    bool ran_out_maybe_infinite = false;  // R's "one or more coefficients may be infinite"
    bool robust = false;
    std::int64_t n = 0, events = 0;
    std::int64_t clusters = 0;            // number of clusters (robust only)
    std::vector<int> strata_without_events;
    std::int64_t bins = 0;                // distinct (stratum, event time) pairs
    std::size_t bytes_per_iteration = 0;  // payload of the collectives of one Newton iteration
    int evaluations = 0;                  // passes over the rows (Newton evaluations)
    double evaluation_seconds = 0;        // wall time in those passes, merge included
    double setup_seconds = 0;             // validation, event-time index, row layout
    double move_seconds = 0;              // the part of setup_seconds spent moving rows by event time
};

// Collective over comm. `frame` holds this rank's rows (its X is consumed). n_strata is the
// number of global strata (frame.strata_labels.size()). `what` and response_columns name the
// model and its Surv() columns in error messages.
CoxFit fit_cox(ModelFrame& frame, int n_strata, const CoxOptions& options, const Comm& comm,
               const std::string& what, const std::vector<std::string>& response_columns);

}  // namespace kohort
