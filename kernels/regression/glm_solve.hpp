// Solving the reduced normal equations X'WX d = X'Wr of an IRLS step, with R's choice of
// aliased columns.
//
// R's glm.fit calls Cdqrls, LINPACK's dqrdc2: a Householder QR that walks the columns in model
// order and moves a column to the end when its norm, after removing the columns already kept, falls
// below tol times its original norm. On the Gram matrix the same walk is a left-looking Cholesky in
// column order: column j's squared residual norm is the would-be pivot d_j = A_jj - l_j'l_j, and
// its original squared norm is A_jj. Column j is aliased when sqrt(d_j / A_jj) < tol; later columns
// are then orthogonalised against the kept ones only, exactly as dqrdc2 does.
//
// The Gram matrix is equilibrated (unit diagonal) before factoring, which costs nothing and removes
// the condition-number growth that comes only from column scale (say, age in days next to a 0/1
// dummy).
#pragma once
#include <Eigen/Dense>
#include <vector>

namespace kohort::glm {

// Relative residual-norm tolerance. R passes min(1e-7, epsilon/1000) = 1e-11 to dqrdc2 on X
// itself; the Gram matrix squares X's condition number, so an exactly collinear column shows up
// here with a relative residual of about sqrt(machine epsilon) instead of machine epsilon, and
// 1e-11 could not see it. 1e-7 (lm's tolerance) does, and still keeps every column that R keeps
// unless it is collinear to within 1e-7 in relative norm.
inline constexpr double kAliasTolerance = 1e-7;

class AliasedCholesky {
public:
    // A: symmetric p x p (only the lower triangle is read).
    explicit AliasedCholesky(const Eigen::MatrixXd& A, double tol = kAliasTolerance);

    Eigen::Index p() const { return p_; }
    Eigen::Index rank() const { return static_cast<Eigen::Index>(kept_.size()); }
    const std::vector<int>& kept() const { return kept_; }          // kept column indices, in order
    bool aliased(Eigen::Index j) const { return aliased_[static_cast<std::size_t>(j)]; }

    // Solves the kept system; aliased entries of the result are 0 (as Cdqrls leaves them).
    Eigen::VectorXd solve(const Eigen::VectorXd& b) const;
    // (A_kept)^-1, rank x rank, in the order of kept().
    Eigen::MatrixXd inverse() const;

private:
    Eigen::Index p_ = 0;
    std::vector<int> kept_;
    std::vector<bool> aliased_;
    Eigen::VectorXd scale_;  // 1/sqrt(A_jj) for kept columns
    Eigen::MatrixXd L_;      // lower Cholesky factor of the scaled kept submatrix
};

}  // namespace kohort::glm
