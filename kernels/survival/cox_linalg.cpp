#include "kernels/survival/cox_linalg.hpp"

#include <cmath>

namespace kohort {

// The operations follow survival's cholesky2 exactly, including its treatment of a redundant
// column (the column below the zeroed pivot keeps the partially eliminated values and is skipped
// by later steps), so collinear designs drop the same coefficient as R.
SingularLdl::SingularLdl(const Eigen::MatrixXd& a, double toler) : f_(a) {
    const Eigen::Index n = f_.rows();
    double eps = 0;
    for (Eigen::Index i = 0; i < n; ++i) {
        if (f_(i, i) > eps) eps = f_(i, i);
        for (Eigen::Index j = i + 1; j < n; ++j) f_(i, j) = f_(j, i);  // keep a symmetric copy above
    }
    if (eps == 0) {  // no positive diagonal: every column redundant
        for (Eigen::Index i = 0; i < n; ++i) f_(i, i) = 0;
        rank_ = 0;
        return;
    }
    eps *= toler;
    for (Eigen::Index i = 0; i < n; ++i) {
        const double pivot = f_(i, i);
        if (!std::isfinite(pivot) || pivot < eps) {
            f_(i, i) = 0;
            if (pivot < -8 * eps) non_negative_ = false;
            continue;
        }
        ++rank_;
        for (Eigen::Index j = i + 1; j < n; ++j) {
            const double t = f_(j, i) / pivot;
            f_(j, i) = t;
            f_(j, j) -= t * t * pivot;
            for (Eigen::Index k = j + 1; k < n; ++k) f_(k, j) -= t * f_(k, i);
        }
    }
}

Eigen::VectorXd SingularLdl::solve(const Eigen::VectorXd& y) const {
    const Eigen::Index n = f_.rows();
    Eigen::VectorXd x = y;
    for (Eigen::Index i = 0; i < n; ++i) {
        double t = x(i);
        for (Eigen::Index j = 0; j < i; ++j) t -= x(j) * f_(i, j);
        x(i) = t;
    }
    for (Eigen::Index i = n - 1; i >= 0; --i) {
        if (f_(i, i) == 0) {
            x(i) = 0;
            continue;
        }
        double t = x(i) / f_(i, i);
        for (Eigen::Index j = i + 1; j < n; ++j) t -= x(j) * f_(j, i);
        x(i) = t;
    }
    return x;
}

// survival's chinv2: invert L (sweep), then form L^-T D^-1 L^-1 in the upper triangle.
Eigen::MatrixXd SingularLdl::inverse() const {
    const Eigen::Index n = f_.rows();
    Eigen::MatrixXd m = f_;
    for (Eigen::Index i = 0; i < n; ++i) {
        if (m(i, i) > 0) {
            m(i, i) = 1 / m(i, i);
            for (Eigen::Index j = i + 1; j < n; ++j) {
                m(j, i) = -m(j, i);
                for (Eigen::Index k = 0; k < i; ++k) m(j, k) += m(j, i) * m(i, k);
            }
        }
    }
    for (Eigen::Index i = 0; i < n; ++i) {
        if (m(i, i) == 0) {
            for (Eigen::Index j = 0; j < i; ++j) m(j, i) = 0;
            for (Eigen::Index j = i; j < n; ++j) m(i, j) = 0;
        } else {
            for (Eigen::Index j = i + 1; j < n; ++j) {
                const double t = m(j, i) * m(j, j);
                m(i, j) = t;
                for (Eigen::Index k = i; k < j; ++k) m(i, k) += t * m(j, k);
            }
        }
    }
    Eigen::MatrixXd out(n, n);
    for (Eigen::Index i = 0; i < n; ++i)
        for (Eigen::Index j = i; j < n; ++j) out(i, j) = out(j, i) = m(i, j);
    return out;
}

double quadratic_form_test(const Eigen::MatrixXd& v, const Eigen::VectorXd& b, double toler, int* df) {
    SingularLdl ldl(v, toler);
    if (df) *df = ldl.rank();
    return b.dot(ldl.solve(b));
}

}  // namespace kohort
