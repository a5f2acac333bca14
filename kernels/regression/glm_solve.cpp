#include "kernels/regression/glm_solve.hpp"

#include <cmath>

namespace kohort::glm {

AliasedCholesky::AliasedCholesky(const Eigen::MatrixXd& A, double tol) : p_(A.rows()) {
    aliased_.assign(static_cast<std::size_t>(p_), true);
    Eigen::VectorXd inv_sqrt_diag(p_);
    for (Eigen::Index j = 0; j < p_; ++j) {
        const double a = A(j, j);
        inv_sqrt_diag[j] = (a > 0.0 && std::isfinite(a)) ? 1.0 / std::sqrt(a) : 0.0;
    }
    const auto scaled = [&](Eigen::Index i, Eigen::Index j) {
        const double a = i >= j ? A(i, j) : A(j, i);
        return a * inv_sqrt_diag[i] * inv_sqrt_diag[j];
    };

    L_.setZero(p_, p_);
    const double tol2 = tol * tol;
    Eigen::Index r = 0;  // columns kept so far
    for (Eigen::Index j = 0; j < p_; ++j) {
        if (inv_sqrt_diag[j] == 0.0) continue;  // a zero column: dqrdc2 treats it as negligible
        // Row r of L for candidate column j: forward substitution against the kept columns.
        Eigen::VectorXd l(r);
        for (Eigen::Index k = 0; k < r; ++k) {
            double s = scaled(j, kept_[static_cast<std::size_t>(k)]);
            for (Eigen::Index m = 0; m < k; ++m) s -= L_(k, m) * l[m];
            l[k] = s / L_(k, k);
        }
        const double d = 1.0 - l.squaredNorm();  // scaled A_jj is 1
        if (!(d > tol2)) continue;                // aliased (also catches NaN)
        L_.row(r).head(r) = l.transpose();
        L_(r, r) = std::sqrt(d);
        kept_.push_back(static_cast<int>(j));
        aliased_[static_cast<std::size_t>(j)] = false;
        ++r;
    }
    L_.conservativeResize(r, r);
    scale_.resize(r);
    for (Eigen::Index k = 0; k < r; ++k) scale_[k] = inv_sqrt_diag[kept_[static_cast<std::size_t>(k)]];
}

Eigen::VectorXd AliasedCholesky::solve(const Eigen::VectorXd& b) const {
    const Eigen::Index r = rank();
    Eigen::VectorXd bk(r);
    for (Eigen::Index k = 0; k < r; ++k) bk[k] = b[kept_[static_cast<std::size_t>(k)]] * scale_[k];
    const auto tri = L_.triangularView<Eigen::Lower>();
    tri.solveInPlace(bk);
    tri.transpose().solveInPlace(bk);
    Eigen::VectorXd out = Eigen::VectorXd::Zero(p_);
    for (Eigen::Index k = 0; k < r; ++k) out[kept_[static_cast<std::size_t>(k)]] = bk[k] * scale_[k];
    return out;
}

Eigen::MatrixXd AliasedCholesky::inverse() const {
    const Eigen::Index r = rank();
    Eigen::MatrixXd inv = Eigen::MatrixXd::Identity(r, r);
    const auto tri = L_.triangularView<Eigen::Lower>();
    tri.solveInPlace(inv);
    tri.transpose().solveInPlace(inv);
    return scale_.asDiagonal() * inv * scale_.asDiagonal();
}

}  // namespace kohort::glm
