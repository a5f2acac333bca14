// One rank's rows of a Fine-Gray model (kind = finegray) and their layout on the global time grid.
//
// A row's category is relative to the cause of interest, as cmprsk::crr codes fstatus:
// 1 = failed from the cause, 2 = failed from another cause, 0 = censored.
#pragma once
#include <Eigen/Dense>
#include <cstdint>
#include <vector>

#include "kernels/survival/finegray_grid.hpp"

namespace kohort::survival {

struct FineGrayRows {
    Eigen::MatrixXd X;                  // n_local x p covariates (crr's cov1)
    std::vector<double> time;           // n_local, >= 0
    std::vector<std::int8_t> category;  // n_local: 0 censored, 1 cause of interest, 2 other cause
};

// Rows laid out once per fit for the per-iteration passes (see finegray_sums.hpp).
struct FineGrayLayout {
    int p = 0;
    Eigen::MatrixXd X;                   // centred by the global column means (estimates unchanged)
    std::vector<std::int8_t> category;
    std::vector<std::int64_t> exit_bin;  // last failure bin with u <= t (in the risk set with weight 1 up to it); -1 none
    std::vector<std::int64_t> entry_bin; // other-cause rows: first failure bin with u > t (number of bins when none)
    std::vector<double> inv_g;           // other-cause rows: 1 / G(t-) (crr's wt at the row's time); 0 otherwise
    std::vector<std::int64_t> grid_index;// index of the row's time in the full grid
    Eigen::Index n() const { return X.rows(); }
};

// Collective: centres X by the global means (one allreduce of p + 1 doubles) and lays the rows out.
FineGrayLayout layout_rows(const FineGrayRows& rows, const FineGrayGrid& grid, const Comm& comm);

}  // namespace kohort::survival
