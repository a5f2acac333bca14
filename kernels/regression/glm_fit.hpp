// Distributed GLM fit matching R's glm() / glm.fit() / summary.glm(), with HC0/HC1 and cluster
// robust covariances matching sandwich::vcovHC and sandwich::vcovCL.
//
// Per IRLS iteration every rank makes one pass over its rows (glm_pass.hpp) and the ranks do ONE
// allreduce of p(p+1)/2 + p + 7 numbers; then every rank solves the same small system, so all ranks
// hold identical coefficients without a broadcast. See docs/algorithms-glm.md.
#pragma once
#include <Eigen/Dense>
#include <cstdint>
#include <string>
#include <vector>

#include "formula/model_frame.hpp"
#include "kernels/regression/glm_family.hpp"
#include "mpi/comm.hpp"

namespace kohort::glm {

struct GlmOptions {
    Family family;
    double epsilon = 1e-8;   // glm.control()
    int maxit = 25;
    // The formula has an offset() term: R's glm() then refits the intercept-only model with the
    // offset to get the null deviance.
    bool has_offset = false;
    // "" (none), "HC0" or "HC1". With frame.has_cluster the robust covariance is vcovCL's,
    // with HC0 when this is empty.
    std::string robust;
    std::string where;       // "job.ini [model.NAME]" for messages
};

struct GlmCoefficient {
    std::string term;
    bool aliased = false;
    double estimate = NAN, se = NAN, statistic = NAN, p = NAN;
    double robust_se = NAN, robust_statistic = NAN, robust_p = NAN;
};

struct GlmFit {
    Family family;
    std::int64_t n = 0;                  // rows used (R's nrow(model.frame))
    std::int64_t n_dropped_missing = 0;
    std::int64_t n_positive_weight = 0;  // R's nobs(fit)
    bool converged = false;
    bool boundary = false;
    int iterations = 0;
    int data_passes = 0;                 // passes over the rows in all (for timing reports)
    double deviance = NAN, null_deviance = NAN, aic = NAN, dispersion = NAN;
    std::int64_t df_residual = 0, df_null = 0, rank = 0;
    bool statistic_is_t = false;         // gaussian: t on df_residual; otherwise z
    std::string robust_type;             // "", "HC0", "HC1"
    bool cluster_robust = false;
    std::int64_t n_clusters = 0;
    std::vector<GlmCoefficient> coefficients;
    Eigen::MatrixXd covariance;          // rank x rank, non-aliased terms in order
    Eigen::MatrixXd robust_covariance;   // rank x rank, or empty
    std::vector<std::string> warnings;   // R's warnings, in the order R would give them
};

// Collective over comm. `frame` holds this rank's rows. Throws UsageError (exit 2) for input that
// R's glm would refuse, naming options.where.
GlmFit fit_glm(const ModelFrame& frame, const GlmOptions& options, const Comm& comm);

}  // namespace kohort::glm
