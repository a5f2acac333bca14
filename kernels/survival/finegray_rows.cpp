#include "kernels/survival/finegray_rows.hpp"

namespace kohort::survival {

FineGrayLayout layout_rows(const FineGrayRows& rows, const FineGrayGrid& grid, const Comm& comm) {
    FineGrayLayout L;
    const Eigen::Index n = rows.X.rows();
    L.p = static_cast<int>(rows.X.cols());
    // Centring changes neither the estimates, the pseudo log-likelihood nor the variance (every
    // quantity depends on x only through x - (weighted risk-set mean)); it keeps exp(x'b) in range.
    Eigen::VectorXd sums(L.p + 1);
    sums.head(L.p) = rows.X.colwise().sum().transpose();
    sums(L.p) = static_cast<double>(n);
    comm.allreduce(sums);
    const Eigen::VectorXd mean = sums(L.p) > 0 ? Eigen::VectorXd(sums.head(L.p) / sums(L.p)) : Eigen::VectorXd::Zero(L.p);
    L.X = rows.X.rowwise() - mean.transpose();

    L.category = rows.category;
    L.exit_bin.resize(static_cast<std::size_t>(n));
    L.entry_bin.resize(static_cast<std::size_t>(n));
    L.inv_g.assign(static_cast<std::size_t>(n), 0.0);
    L.grid_index.resize(static_cast<std::size_t>(n));
    for (Eigen::Index i = 0; i < n; ++i) {
        const auto k = static_cast<std::size_t>(i);
        const double t = rows.time[k];
        L.exit_bin[k] = grid.last_failure_at_or_before(t);
        L.entry_bin[k] = grid.first_failure_after(t);
        L.grid_index[k] = static_cast<std::int64_t>(grid.index_of(t));
        if (rows.category[k] == 2) L.inv_g[k] = 1.0 / grid.g_weight[static_cast<std::size_t>(L.grid_index[k])];
    }
    return L;
}

}  // namespace kohort::survival
