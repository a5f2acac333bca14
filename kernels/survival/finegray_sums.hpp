// Per-failure-time sums of the Fine-Gray pseudo partial likelihood: consume(local rows) / merge /
// finalize.
//
// At failure time u_l of the cause of interest the risk set (Fine & Gray 1999, eq. 6; cmprsk crrfsv)
// holds every row with T >= u_l at weight 1, and every row that failed from another cause at
// T < u_l at weight G(u_l-)/G(T-). With r = exp(x'b) the risk-set sums S_k(u_l), k = 0, 1, 2
// (r, r x, r x x'), therefore split into
//   a suffix part:  sum over rows with exit bin >= l of r x^k   (row added at its exit bin)
//   a prefix part:  G(u_l-) * sum over other-cause rows with entry bin <= l of (r / G(T-)) x^k
// Each rank adds its rows into two fixed-size per-bin arrays; merging ranks is elementwise
// addition (one allreduce of 2 T (1 + p + p(p+1)/2) doubles per iteration, independent of the
// number of rows); finalize() takes the suffix and prefix sums over the global grid.
#pragma once
#include <Eigen/Dense>
#include <cstdint>
#include <vector>

#include "kernels/survival/finegray_rows.hpp"
#include "mpi/comm.hpp"

namespace kohort::survival {

// crr's objective is the negative pseudo log-likelihood; these are its value, gradient and Hessian
// (the information matrix), plus the per-bin risk-set quantities the variance needs.
struct FineGrayDerivatives {
    double minus_loglik = 0;
    Eigen::VectorXd gradient;
    Eigen::MatrixXd information;
    std::vector<double> s0;   // per failure bin
    Eigen::MatrixXd xbar;     // bins x p: S1 / S0 (centred covariates)
    bool finite() const { return std::isfinite(minus_loglik) && gradient.allFinite() && information.allFinite(); }
};

class SubdistributionSums {
public:
    SubdistributionSums(std::int64_t bins, int p);

    void clear();
    void consume(const FineGrayLayout& rows, const Eigen::VectorXd& beta);
    void merge(const SubdistributionSums& other);
    void allreduce(const Comm& comm);

    // failure_x: sum over all cause-of-interest failures of the (centred) covariates.
    FineGrayDerivatives finalize(const FineGrayGrid& grid, const Eigen::VectorXd& beta,
                                 const Eigen::VectorXd& failure_x) const;

    std::size_t bytes() const { return buf_.size() * sizeof(double); }

private:
    std::size_t block() const { return static_cast<std::size_t>(1 + p_ + p_ * (p_ + 1) / 2); }
    double* suffix_block(std::int64_t b) { return buf_.data() + static_cast<std::size_t>(b) * block(); }
    double* prefix_block(std::int64_t b) { return buf_.data() + static_cast<std::size_t>(bins_ + b) * block(); }
    const double* suffix_block(std::int64_t b) const { return buf_.data() + static_cast<std::size_t>(b) * block(); }
    const double* prefix_block(std::int64_t b) const {
        return buf_.data() + static_cast<std::size_t>(bins_ + b) * block();
    }

    std::int64_t bins_;
    int p_;
    std::vector<double> buf_;  // [bins][1 + p + packed lower p x p] suffix part, then prefix part
};

}  // namespace kohort::survival
