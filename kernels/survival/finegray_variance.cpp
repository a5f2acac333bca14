#include "kernels/survival/finegray_variance.hpp"

#include <cmath>
#include <vector>

namespace kohort::survival {

Eigen::MatrixXd crr_score_variance(const FineGrayLayout& rows, const FineGrayGrid& grid,
                                   const FineGrayDerivatives& d, const Eigen::VectorXd& beta, const Comm& comm) {
    const int p = rows.p;
    const std::int64_t nb = grid.bins();
    const std::size_t nt = grid.time.size();

    // Cumulative sums over failure bins (inclusive): C for the weight-1 part, D for the G-weighted part.
    std::vector<double> c0(static_cast<std::size_t>(nb)), d0(static_cast<std::size_t>(nb));
    Eigen::MatrixXd c1(nb, p), d1(nb, p);
    {
        double a0 = 0, b0 = 0;
        Eigen::RowVectorXd a1 = Eigen::RowVectorXd::Zero(p), b1 = Eigen::RowVectorXd::Zero(p);
        for (std::int64_t l = 0; l < nb; ++l) {
            const auto k = static_cast<std::size_t>(l);
            const double w = grid.failure_count[k] / d.s0[k];
            a0 += w;
            a1 += w * d.xbar.row(l);
            b0 += w * grid.failure_g[k];
            b1 += w * grid.failure_g[k] * d.xbar.row(l);
            c0[k] = a0;
            c1.row(l) = a1;
            d0[k] = b0;
            d1.row(l) = b1;
        }
    }
    const double d0_all = nb > 0 ? d0.back() : 0.0;
    const Eigen::RowVectorXd d1_all = nb > 0 ? Eigen::RowVectorXd(d1.row(nb - 1)) : Eigen::RowVectorXd::Zero(p);

    // E0/E1 per distinct time: other-cause rows' r / G(T-) (and times x), merged across ranks.
    const Eigen::VectorXd eta = rows.X * beta;
    std::vector<double> e(nt * static_cast<std::size_t>(p + 1), 0.0);
    for (Eigen::Index i = 0; i < rows.n(); ++i) {
        const auto k = static_cast<std::size_t>(i);
        if (rows.category[k] != 2) continue;
        const double w = std::exp(eta(i)) * rows.inv_g[k];
        double* at = e.data() + static_cast<std::size_t>(rows.grid_index[k]) * static_cast<std::size_t>(p + 1);
        at[0] += w;
        for (int j = 0; j < p; ++j) at[1 + j] += w * rows.X(i, j);
    }
    if (comm.size() > 1) comm.allreduce(e);

    // q(c) at each censoring time and the running censoring-martingale compensator Q.
    Eigen::MatrixXd q = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(nt), p);
    Eigen::MatrixXd Q(static_cast<Eigen::Index>(nt), p);
    {
        double e0 = 0;  // sums over rows with T < time[k] (exclusive prefix)
        Eigen::RowVectorXd e1 = Eigen::RowVectorXd::Zero(p), acc = Eigen::RowVectorXd::Zero(p);
        std::int64_t last_before = -1;  // last failure bin with u < time[k]
        for (std::size_t k = 0; k < nt; ++k) {
            const auto ki = static_cast<Eigen::Index>(k);
            while (last_before + 1 < nb && grid.failure_time[static_cast<std::size_t>(last_before + 1)] < grid.time[k])
                ++last_before;
            if (grid.censored[k] > 0) {
                const double h0 = d0_all - (last_before >= 0 ? d0[static_cast<std::size_t>(last_before)] : 0.0);
                const Eigen::RowVectorXd h1 = d1_all - (last_before >= 0 ? Eigen::RowVectorXd(d1.row(last_before))
                                                                         : Eigen::RowVectorXd::Zero(p));
                q.row(ki) = e1 * h0 - e0 * h1;
                acc += q.row(ki) * (grid.censored[k] / (grid.at_risk[k] * grid.at_risk[k]));
            }
            Q.row(ki) = acc;
            const double* at = e.data() + k * static_cast<std::size_t>(p + 1);
            e0 += at[0];
            for (int j = 0; j < p; ++j) e1(j) += at[1 + j];
        }
    }

    // Per-row eta_i + psi_i, accumulated into the local outer-product sum.
    Eigen::MatrixXd v2 = Eigen::MatrixXd::Zero(p, p);
    Eigen::RowVectorXd u(p);
    for (Eigen::Index i = 0; i < rows.n(); ++i) {
        const auto k = static_cast<std::size_t>(i);
        const auto x = rows.X.row(i);
        const double r = std::exp(eta(i));
        const std::int64_t lx = rows.exit_bin[k];
        const auto g = static_cast<Eigen::Index>(rows.grid_index[k]);
        u.setZero();
        if (rows.category[k] == 1) u += x - d.xbar.row(lx);
        if (lx >= 0) u -= r * (x * c0[static_cast<std::size_t>(lx)] - c1.row(lx));
        if (rows.category[k] == 2) {
            const double dd0 = d0_all - (lx >= 0 ? d0[static_cast<std::size_t>(lx)] : 0.0);
            const Eigen::RowVectorXd dd1 = d1_all - (lx >= 0 ? Eigen::RowVectorXd(d1.row(lx)) : Eigen::RowVectorXd::Zero(p));
            u -= r * rows.inv_g[k] * (x * dd0 - dd1);
        }
        u -= Q.row(g);
        if (rows.category[k] == 0) u += q.row(g) / grid.at_risk[static_cast<std::size_t>(g)];
        v2.noalias() += u.transpose() * u;
    }
    if (comm.size() > 1) comm.allreduce(v2);
    return v2;
}

}  // namespace kohort::survival
