// Per-event-time risk-set sums of a Cox partial likelihood: consume(local rows) / merge / finalize.
//
// For every bin b (a stratum's distinct event time, see event_times.hpp) a rank accumulates, over
// its own rows,
//   exit side:  rows whose last at-risk bin is b:             +r, +r x, +r x x'
//   entry side: counting-process rows first at risk at b + 1: -r, -r x, -r x x'
//   deaths at b (Efron only):                                  r, r x, r x x'
// with r = w exp(x'beta + offset). Merging ranks is elementwise addition of these fixed-size
// arrays (one allreduce of T (1 + p + p(p+1)/2) doubles, twice that for Efron), independent of the
// number of rows. finalize() takes suffix sums within each stratum, which turns the exit/entry
// differences into the risk-set sums S0, S1, S2 at each event time, and applies the Breslow or
// Efron formulas (survival's coxfit6/agfit4; Therneau & Grambsch 2000, section 3.3).
#pragma once
#include <Eigen/Dense>
#include <cstdint>
#include <vector>

#include "kernels/survival/cox_rows.hpp"
#include "mpi/comm.hpp"

namespace kohort {

enum class CoxTies { breslow, efron };

// The Efron terms for one event time: k = 0..d-1 with fraction f = k/d of the deaths removed
// from the risk set and weight m = (death weight)/d; Breslow (or a single death) is k = 0 only
// with m = death weight. Only these scalar sums over k are needed, which keeps the per-time cost
// O(p^2) whatever the number of tied deaths. r0: risk-set sum of w e^eta; d0: the same over the
// time's deaths. (Also used by the Cox GWAS score test, kernels/genomics/gwas_cox_null.cpp.)
struct TieSums {
    double m = 0, log_den = 0, inv = 0, f_inv = 0, inv2 = 0, f_inv2 = 0, ff_inv2 = 0, c_weight = 1;
    bool finite = true;
};
TieSums tie_sums(double r0, double d0, double deaths, double death_weight, CoxTies ties);

// Log partial likelihood with its gradient and information matrix (negative Hessian).
struct CoxDerivatives {
    double loglik = 0;
    Eigen::VectorXd u;
    Eigen::MatrixXd imat;
    bool finite() const { return std::isfinite(loglik) && u.allFinite() && imat.allFinite(); }
};

// Per-bin pieces of the score residuals (survival's coxscore2/agscore3, rearranged so a row's
// residual is a difference of within-stratum cumulative sums over its at-risk bins):
//   at risk, not dying at b:  -e^eta (x A_b - B_b)
//   dying at b adds:          (x - C_b) + e^eta (x Ad_b - Bd_b)
// Cumulative sums run from the stratum's first bin.
struct ResidualTerms {
    int p = 0;
    std::vector<double> cum_a;   // T
    std::vector<double> cum_b;   // T x p
    std::vector<double> ad;      // T
    std::vector<double> bd;      // T x p
    std::vector<double> c;       // T x p
};

class RiskSetSums {
public:
    RiskSetSums(std::int64_t bins, int p, bool death_sums);

    void clear();
    // Adds this rank's rows at the (centred, scaled) coefficients beta. risk receives
    // exp(x'beta + offset) per row (rows never at risk get 0). OpenMP threads over bins, so
    // the result does not depend on the number of threads.
    void consume(const CoxRows& rows, const Eigen::VectorXd& beta, Eigen::VectorXd& risk);
    void merge(const RiskSetSums& other);
    void allreduce(const Comm& comm);

    CoxDerivatives finalize(const CoxSetup& setup, CoxTies ties, const Eigen::VectorXd& beta) const;
    ResidualTerms residual_terms(const CoxSetup& setup, CoxTies ties) const;

    std::int64_t bins() const { return bins_; }
    int p() const { return p_; }
    std::size_t bytes() const { return buf_.size() * sizeof(double); }

private:
    std::size_t block() const { return static_cast<std::size_t>(1 + p_ + p_ * (p_ + 1) / 2); }
    double* risk_block(std::int64_t b) { return buf_.data() + static_cast<std::size_t>(b) * block(); }
    const double* risk_block(std::int64_t b) const { return buf_.data() + static_cast<std::size_t>(b) * block(); }
    double* death_block(std::int64_t b) { return buf_.data() + static_cast<std::size_t>(bins_ + b) * block(); }
    const double* death_block(std::int64_t b) const {
        return buf_.data() + static_cast<std::size_t>(bins_ + b) * block();
    }

    std::int64_t bins_;
    int p_;
    bool death_sums_;
    std::vector<double> buf_;  // [bins][1 + p + packed lower p x p], then the same for deaths
};

}  // namespace kohort
