// Symmetric solves with R survival's singularity rule (cholesky2 / chsolve2 / chinv2).
//
// The information matrix is factored as L D L' with a unit lower-triangular L. A pivot below
// toler x (largest diagonal) marks its column as redundant: its D entry becomes 0, solves give 0
// in that position and the inverse has a zero row and column. That is how coxph returns NA for a
// constant or collinear covariate, so kohort reproduces the rule rather than using a pivoted LDL'.
// Reference: Therneau, R package survival, src/cholesky2.c, chsolve2.c, chinv2.c (algorithm only).
#pragma once
#include <Eigen/Dense>

namespace kohort {

class SingularLdl {
public:
    // Factors the symmetric matrix a (only its lower triangle and diagonal are read).
    SingularLdl(const Eigen::MatrixXd& a, double toler);

    int rank() const { return rank_; }
    // Negative when a pivot was clearly negative (not positive semi-definite), as cholesky2 reports.
    bool non_negative() const { return non_negative_; }
    bool redundant(Eigen::Index i) const { return f_(i, i) == 0.0; }

    // Solves a x = y with redundant components set to 0.
    Eigen::VectorXd solve(const Eigen::VectorXd& y) const;
    // The generalised inverse with zero rows and columns for redundant components.
    Eigen::MatrixXd inverse() const;

private:
    Eigen::MatrixXd f_;  // strictly lower: L; diagonal: D (0 when redundant)
    int rank_ = 0;
    bool non_negative_ = true;
};

// b' V^- b over the components that V's factorisation keeps: coxph.wtest's quadratic form.
// df receives the rank of V.
double quadratic_form_test(const Eigen::MatrixXd& v, const Eigen::VectorXd& b, double toler, int* df);

}  // namespace kohort
