// The two passes over a rank's rows that the distributed GLM needs, each producing a small state
// with consume (the pass itself) / merge (add another rank's or thread's state) / pack+unpack (one
// flat buffer for a single MPI allreduce). Nothing here talks to MPI, so merging is unit-testable.
//
// Rows are processed in fixed chunks of kChunkRows, each chunk summed into its own partial state
// (OpenMP threads take chunks dynamically) and the partials merged in chunk order: the result on a
// rank does not depend on the number of threads. Inside a chunk, blocks of kBlockRows rows are
// scaled by sqrt(w) into a small buffer and added with Eigen's rankUpdate (a SYRK), so X is read
// from memory once per pass and the block stays in cache for the linear predictor, the weights and
// the Gram update.
#pragma once
#include <Eigen/Dense>
#include <array>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "kernels/regression/glm_family.hpp"

namespace kohort::glm {

inline constexpr Eigen::Index kChunkRows = 16384;
inline constexpr Eigen::Index kBlockRows = 256;

// One rank's rows. X is column-major, n_local x p.
struct GlmData {
    const Eigen::MatrixXd& X;
    const Eigen::VectorXd& y;
    const Eigen::VectorXd& weights;  // prior (case) weights
    const Eigen::VectorXd& offset;
    const std::vector<std::int64_t>* cluster = nullptr;
};

// Where the linear predictor of a pass comes from: eta = X beta + offset, or (first iteration)
// eta = linkfun(mustart) as glm.fit does before any coefficients exist.
struct EtaSource {
    const Eigen::VectorXd* beta = nullptr;
    const Eigen::VectorXd* mustart = nullptr;
};

// Sufficient statistics of one IRLS step at the current eta: the weighted Gram matrix, the right
// side X'W(z - X beta) (with beta = 0 when eta comes from mustart, so it is X'Wz), the deviance
// at the current mu, and counts that let every rank apply R's checks identically.
struct IrlsStep {
    Eigen::MatrixXd xtwx;          // lower triangle filled
    Eigen::VectorXd xtwr;
    double deviance = 0;
    double n_invalid_mu = 0;       // rows failing family$validmu
    double n_bad_variance = 0;     // good rows with V(mu) NA or 0 (R stops)
    double n_good = 0;             // rows with weight > 0 and mu.eta != 0
    double n_nonfinite = 0;        // rows with non-finite eta or mu
    double sum_w = 0, sum_wy = 0;  // for the null model's weighted mean
    // The scalar sums above, listed once for merge, pack and unpack (Self: IrlsStep, maybe const).
    template <typename Self>
    static auto sums(Self& s) {
        return std::array{&s.deviance, &s.n_invalid_mu, &s.n_bad_variance, &s.n_good,
                          &s.n_nonfinite, &s.sum_w, &s.sum_wy};
    }

    IrlsStep() = default;
    explicit IrlsStep(Eigen::Index p);
    Eigen::Index p() const { return xtwr.size(); }
    void merge(const IrlsStep& other);
    std::vector<double> pack() const;
    void unpack(const std::vector<double>& buf);
    // Adds rows [begin, end) of `data`.
    void consume(const GlmData& data, const Family& family, const EtaSource& eta, Eigen::Index begin,
                 Eigen::Index end);
};

// Multithreaded pass over all local rows.
IrlsStep irls_pass(const GlmData& data, const Family& family, const EtaSource& eta);

enum class NullMode { none, weighted_mean, linkinv_offset };
enum class RobustKind { none, hc, cluster };

// What the final pass needs: the converged coefficients, the source of the previous iteration's
// working weights (R's fit$weights come from the step that produced the final coefficients), and
// how to evaluate the null deviance.
struct FinalInputs {
    const Eigen::VectorXd* beta = nullptr;
    EtaSource previous;
    NullMode null_mode = NullMode::none;
    double null_mu = 0;            // weighted_mean: sum(w y) / sum(w)
    RobustKind robust = RobustKind::none;
};

// Statistics after convergence: AIC terms, the Pearson-type sum for the dispersion, separation
// counts, the null deviance, and the meat of the sandwich (HC: sum of s s'; cluster: the
// per-cluster score sums are kept in a map, exchanged across ranks by the caller).
struct FinalStats {
    double aic_terms = 0;
    double n_rows = 0;
    double n_positive_weight = 0;
    double n_fitted_one = 0;       // binomial: mu > 1 - 10 eps
    double n_fitted_zero = 0;      // binomial, poisson: mu < 10 eps
    double pearson = 0;            // sum over weight > 0 of wt_prev * working residual^2
    double null_deviance = 0;
    Eigen::MatrixXd meat;          // p x p lower triangle, RobustKind::hc only (else 0 x 0)
    std::unordered_map<std::int64_t, Eigen::VectorXd> cluster_scores;  // RobustKind::cluster
    // The scalar sums above, listed once for merge, pack and unpack (Self: FinalStats, maybe const).
    template <typename Self>
    static auto sums(Self& s) {
        return std::array{&s.aic_terms, &s.n_rows, &s.n_positive_weight, &s.n_fitted_one,
                          &s.n_fitted_zero, &s.pearson, &s.null_deviance};
    }

    FinalStats() = default;
    FinalStats(Eigen::Index p, RobustKind robust);
    void merge(const FinalStats& other);
    std::vector<double> pack() const;   // everything but cluster_scores
    void unpack(const std::vector<double>& buf);
    void consume(const GlmData& data, const Family& family, const FinalInputs& in, Eigen::Index begin,
                 Eigen::Index end, Eigen::VectorXd* fitted);
};

// Multithreaded pass; `fitted` (optional, n_local) receives mu at the final coefficients.
FinalStats final_pass(const GlmData& data, const Family& family, const FinalInputs& in,
                      Eigen::VectorXd* fitted = nullptr);

}  // namespace kohort::glm
