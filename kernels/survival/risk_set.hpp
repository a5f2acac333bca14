// Per-event-time risk-set sums of a Cox partial likelihood: consume(local rows) / merge / finalize.
//
// For every bin b (a stratum's distinct event time, see event_times.hpp) a rank accumulates, over
// its own rows,
//   exit side:  rows whose last at-risk bin is b:             +r, +r x, +r x x'
//   entry side: counting-process rows first at risk at b + 1: -r, -r x, -r x x'
//   deaths at b (Efron only):                                  r, r x, r x x'
// with r = w exp(x'beta + offset). finalize() takes suffix sums within each stratum, which turns
// the exit/entry differences into the risk-set sums S0, S1, S2 at each event time, and applies the
// Breslow or Efron formulas (survival's coxfit6/agfit4; Therneau & Grambsch 2000, section 3.3).
//
// The sums cover a window of bins [begin, end). Two ways to combine ranks (docs/algorithms-cox.md):
//   allreduce: every rank's window is all T bins; merging is elementwise addition (one allreduce
//              of T (1 + p + p(p+1)/2) doubles, twice that for Efron);
//   by time:   each rank owns the rows of its own window (cox_distribute.hpp), so its bins are
//              complete; the suffix sums start from a carry, the sums of the later bins of the
//              window's last stratum that higher ranks own (one exclusive scan, RiskSetCarry), and
//              the per-rank derivatives are summed (one allreduce of 1 + p + p(p+1)/2 doubles).
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
// The arrays span all T bins; a rank fills the bins of its window (zeros elsewhere), so ranks that
// own different windows combine them by a sum (`packed`, one allreduce once per robust variance).
struct ResidualTerms {
    int p = 0;
    std::vector<double> packed;  // T x (2 + 3p): per bin a, ad, b[p], bd[p], c[p]
    std::size_t stride() const { return static_cast<std::size_t>(2 + 3 * p); }
    double cum_a(std::int64_t b) const { return packed[static_cast<std::size_t>(b) * stride()]; }
    double ad(std::int64_t b) const { return packed[static_cast<std::size_t>(b) * stride() + 1]; }
    const double* cum_b(std::int64_t b) const { return packed.data() + static_cast<std::size_t>(b) * stride() + 2; }
    const double* bd(std::int64_t b) const { return cum_b(b) + p; }
    const double* c(std::int64_t b) const { return cum_b(b) + 2 * p; }
    // Turns a and b into their cumulative sums from each stratum's first bin (after combining).
    void cumulate(const EventTimeIndex& bins);
};

// The sums of the risk blocks of the bins after a window's last bin, within that bin's stratum,
// that other ranks own: where the window's suffix sums start. Empty (zero) with one window.
struct RiskSetCarry {
    std::vector<double> sums;  // 1 + p + p(p+1)/2, or empty for zero
};

class RiskSetSums {
public:
    RiskSetSums(std::int64_t bins, int p, bool death_sums) : RiskSetSums(0, bins, p, death_sums) {}
    // Sums for the bins [begin, end) only.
    RiskSetSums(std::int64_t begin, std::int64_t end, int p, bool death_sums);

    void clear();
    // Adds this rank's rows at the (centred, scaled) coefficients beta. risk receives
    // exp(x'beta + offset) per row (rows never at risk get 0). OpenMP threads over bins, so
    // the result does not depend on the number of threads.
    void consume(const CoxRows& rows, const Eigen::VectorXd& beta, Eigen::VectorXd& risk);
    void merge(const RiskSetSums& other);
    void allreduce(const Comm& comm);

    // The derivatives from all T bins (the window must be all bins, merged over ranks).
    CoxDerivatives finalize(const CoxSetup& setup, CoxTies ties, const Eigen::VectorXd& beta) const;
    // This window's part of the risk-set terms (loglik, U, I without the deaths' x'beta terms),
    // its suffix sums starting from `carry`. Summing the parts of disjoint windows that cover all
    // bins and adding death_terms() gives finalize().
    CoxDerivatives partial_derivatives(const CoxSetup& setup, CoxTies ties, const RiskSetCarry& carry) const;
    static void add_death_terms(const CoxSetup& setup, const Eigen::VectorXd& beta, CoxDerivatives& d);
    // Residual terms of this window's bins (not yet cumulated), suffix sums from `carry`.
    ResidualTerms residual_terms(const CoxSetup& setup, CoxTies ties, const RiskSetCarry& carry = {}) const;

    // The block a lower rank's suffix sums need from this window: the sum of the risk blocks of
    // the window's bins in its first bin's stratum, tagged with that stratum (-1: empty window).
    // Layout [tag, block...]; combine_carry is the segmented sum the exclusive scan applies.
    std::vector<double> carry_block(const EventTimeIndex& bins) const;
    static void combine_carry(std::size_t block_size, const double* low, const double* high, double* out);
    // This window's carry from the scan's result over higher ranks (has_value false: none).
    RiskSetCarry carry_from(const EventTimeIndex& bins, const std::vector<double>& scanned, bool has_value) const;

    std::int64_t bins() const { return bins_; }
    std::int64_t begin() const { return begin_; }
    std::size_t block_size() const { return block(); }
    int p() const { return p_; }
    std::size_t bytes() const { return buf_.size() * sizeof(double); }

private:
    std::size_t block() const { return static_cast<std::size_t>(1 + p_ + p_ * (p_ + 1) / 2); }
    // b is a global bin index inside [begin_, begin_ + bins_).
    double* risk_block(std::int64_t b) { return buf_.data() + static_cast<std::size_t>(b - begin_) * block(); }
    const double* risk_block(std::int64_t b) const {
        return buf_.data() + static_cast<std::size_t>(b - begin_) * block();
    }
    double* death_block(std::int64_t b) { return buf_.data() + static_cast<std::size_t>(bins_ + b - begin_) * block(); }
    const double* death_block(std::int64_t b) const {
        return buf_.data() + static_cast<std::size_t>(bins_ + b - begin_) * block();
    }
    // Calls f(bin, running risk-set sums, death block or nullptr) at each bin with deaths, from
    // the window's last bin down, the running sums restarting at each stratum boundary.
    template <typename F>
    void walk_risk_sets(const CoxSetup& setup, const RiskSetCarry& carry, F&& f) const;
    // The same over the bins [lo, hi) of the window, the running sums in r (block() values) and
    // starting from `carry`, the sums above hi within hi - 1's stratum.
    template <typename F>
    void walk_risk_sets(const CoxSetup& setup, const RiskSetCarry& carry, std::int64_t lo, std::int64_t hi,
                        std::vector<double>& r, F&& f) const;
    // carry_block of the bins [lo, hi) of the window.
    std::vector<double> carry_block(const EventTimeIndex& bins, std::int64_t lo, std::int64_t hi) const;
    // The carry into the bins [lo, hi) from `above`, a combined carry block [tag, sums] of the bins
    // after hi: its sums where its tag is hi - 1's stratum, else none (zero).
    RiskSetCarry carry_into(const EventTimeIndex& bins, const double* above, std::int64_t lo, std::int64_t hi) const;

    std::int64_t begin_;
    std::int64_t bins_;
    int p_;
    bool death_sums_;
    std::vector<double> buf_;  // [bins][1 + p + packed lower p x p], then the same for deaths
};

}  // namespace kohort
