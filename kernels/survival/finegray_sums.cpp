#include "kernels/survival/finegray_sums.hpp"

#include <cmath>

namespace kohort::survival {
namespace {

// Adds scale * (1, x, x x' packed lower by columns) into block.
void add_block(double* block, double scale, const double* x, Eigen::Index stride, int p) {
    block[0] += scale;
    for (int j = 0; j < p; ++j) block[1 + j] += scale * x[j * stride];
    double* s2 = block + 1 + p;
    std::size_t at = 0;
    for (int j = 0; j < p; ++j) {
        const double sx = scale * x[j * stride];
        for (int k = j; k < p; ++k) s2[at++] += sx * x[k * stride];
    }
}

}  // namespace

SubdistributionSums::SubdistributionSums(std::int64_t bins, int p) : bins_(bins), p_(p) {
    buf_.assign(2 * static_cast<std::size_t>(bins) * block(), 0.0);
}

void SubdistributionSums::clear() { std::fill(buf_.begin(), buf_.end(), 0.0); }

void SubdistributionSums::consume(const FineGrayLayout& rows, const Eigen::VectorXd& beta) {
    const Eigen::VectorXd eta = rows.X * beta;
    const Eigen::Index stride = rows.X.outerStride();  // column-major: x_ij at data[i + j * stride]
    for (Eigen::Index i = 0; i < rows.n(); ++i) {
        const auto k = static_cast<std::size_t>(i);
        const double r = std::exp(eta(i));
        const double* x = rows.X.data() + i;
        if (rows.exit_bin[k] >= 0) add_block(suffix_block(rows.exit_bin[k]), r, x, stride, p_);
        if (rows.category[k] == 2 && rows.entry_bin[k] < bins_)
            add_block(prefix_block(rows.entry_bin[k]), r * rows.inv_g[k], x, stride, p_);
    }
}

void SubdistributionSums::merge(const SubdistributionSums& other) {
    for (std::size_t i = 0; i < buf_.size(); ++i) buf_[i] += other.buf_[i];
}

void SubdistributionSums::allreduce(const Comm& comm) {
    if (comm.size() > 1) comm.allreduce(buf_);
}

FineGrayDerivatives SubdistributionSums::finalize(const FineGrayGrid& grid, const Eigen::VectorXd& beta,
                                                  const Eigen::VectorXd& failure_x) const {
    const std::size_t nb = block();
    // Suffix sums of the weight-1 part, from the last bin down.
    std::vector<double> risk(static_cast<std::size_t>(bins_) * nb, 0.0);
    std::vector<double> acc(nb, 0.0);
    for (std::int64_t b = bins_; b-- > 0;) {
        const double* s = suffix_block(b);
        for (std::size_t j = 0; j < nb; ++j) acc[j] += s[j];
        std::copy(acc.begin(), acc.end(), risk.begin() + static_cast<std::ptrdiff_t>(static_cast<std::size_t>(b) * nb));
    }

    FineGrayDerivatives d;
    d.gradient = -failure_x;
    d.information = Eigen::MatrixXd::Zero(p_, p_);
    d.minus_loglik = -failure_x.dot(beta);
    d.s0.assign(static_cast<std::size_t>(bins_), 0.0);
    d.xbar.resize(bins_, p_);
    std::fill(acc.begin(), acc.end(), 0.0);
    Eigen::VectorXd s1(p_);
    for (std::int64_t b = 0; b < bins_; ++b) {
        // Prefix sums of the competing-cause part, scaled by G(u_l-).
        const double* pre = prefix_block(b);
        for (std::size_t j = 0; j < nb; ++j) acc[j] += pre[j];
        const double g = grid.failure_g[static_cast<std::size_t>(b)];
        double* S = risk.data() + static_cast<std::size_t>(b) * nb;
        for (std::size_t j = 0; j < nb; ++j) S[j] += g * acc[j];

        const double dl = grid.failure_count[static_cast<std::size_t>(b)];
        const double s0 = S[0];
        for (int j = 0; j < p_; ++j) s1(j) = S[1 + j] / s0;
        d.s0[static_cast<std::size_t>(b)] = s0;
        d.xbar.row(b) = s1.transpose();
        d.minus_loglik += dl * std::log(s0);
        d.gradient += dl * s1;
        const double* s2 = S + 1 + p_;
        std::size_t at = 0;
        for (int j = 0; j < p_; ++j)
            for (int k = j; k < p_; ++k) {
                const double v = dl * (s2[at++] / s0 - s1(j) * s1(k));
                d.information(k, j) += v;
                if (k != j) d.information(j, k) += v;
            }
    }
    return d;
}

}  // namespace kohort::survival
