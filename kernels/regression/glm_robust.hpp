// Sandwich covariances for a GLM, matching the sandwich package (3.0):
//   vcovHC(fit, type = "HC0"/"HC1") and vcovCL(fit, cluster = ~id, type = "HC0"/"HC1").
//
// sandwich() returns (1/n) B M B with n = NROW(estfun) (all rows, zero weights included),
// B = bread.glm = cov.unscaled * n_ok * dispersion and M = meat = crossprod(estfun)/n, where
// estfun.glm = wres * X / dispersion and wres = working residual * working weight. The dispersion
// cancels, leaving
//   V = (n_ok/n)^2 C S C,   C = (X'WX)^-1,  S = sum_i wres_i^2 x_i x_i'            (HC0)
//   V = (n_ok/n)^2 G/(G-1) C S_G C,  S_G = sum_g (sum_{i in g} wres_i x_i)(...)'   (vcovCL HC0)
// meatCL multiplies by G/(G-1) (cadjust = TRUE, its default); HC1 adds n/(n-k) (vcovHC) or
// (n-1)/(n-k) (vcovCL), k = number of non-aliased coefficients.
#pragma once
#include <Eigen/Dense>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "mpi/comm.hpp"

namespace kohort::glm {

// Per-cluster score sums on this rank -> sum over all clusters of S_g S_g' (full symmetric p x p,
// this rank's share: the clusters it owns) and the number of clusters it owns.
//
// Clusters may span ranks: each rank sends each local partial sum to the owner rank
// hash(id) mod size with one alltoallv (ids) and one alltoallv (sums); the owner adds the partials
// in rank order and the clusters in id order, so the result does not depend on hash-map order.
// The caller allreduces the returned matrix and count.
Eigen::MatrixXd cluster_meat(const std::unordered_map<std::int64_t, Eigen::VectorXd>& local_scores, Eigen::Index p,
                             const Comm& comm, double& n_clusters_owned);

// The same, without MPI: owned = all clusters of `scores`. For tests and for one rank.
Eigen::MatrixXd cluster_meat_serial(const std::unordered_map<std::int64_t, Eigen::VectorXd>& scores, Eigen::Index p);

struct RobustScaling {
    double n_rows = 0;             // NROW(estfun)
    double n_positive_weight = 0;  // n_ok, from bread.glm's sum(df[1:2])
    double rank = 0;               // k
    double n_clusters = 0;         // G (cluster only)
    bool cluster = false;
    bool hc1 = false;
};

// unscaled: C over the kept columns; meat: p x p over all columns (lower triangle or full);
// kept: the kept column indices. Returns rank x rank.
Eigen::MatrixXd sandwich_covariance(const Eigen::MatrixXd& unscaled, const Eigen::MatrixXd& meat,
                                    const std::vector<int>& kept, const RobustScaling& s);

}  // namespace kohort::glm
