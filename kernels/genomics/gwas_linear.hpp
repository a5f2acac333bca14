// Gaussian GWAS: per variant, the least-squares fit of y ~ covariates + g on the samples with a
// call, as plink2 --glm reports it (docs/algorithms-gwas.md).
//
// The covariates are projected out once: Q, an orthonormal basis of their columns (CholeskyQR2
// over the ranks), and y~ = y - Q Q'y. A variant with no missing call then needs only Q'g, g'g and
// g'y~; a missing call on sample i removes i's row, which the exact update
// Q_S'Q_S = I - sum_{i missing} q_i q_i' (and the matching terms for y~) accounts for. Each rank
// sums these over its own samples and ONE allreduce per block combines them:
// (5 + 2k + k(k+1)/2) doubles per variant, whatever the number of samples.
#pragma once
#include <Eigen/Dense>
#include <vector>

#include "kernels/genomics/genotype_block.hpp"
#include "kernels/genomics/gwas_result.hpp"
#include "kernels/genomics/gwas_samples.hpp"
#include "mpi/comm.hpp"

namespace kohort::gwas {

class LinearGwas {
public:
    // Collective (three small allreduces). Throws UsageError when the covariates are collinear.
    LinearGwas(const GwasSamples& samples, const Comm& comm, double max_vif, const std::string& where);
    // Local statistics of a block of nv variants (one column each), to fill with accumulate().
    Eigen::MatrixXd new_block(Eigen::Index nv) const;
    // Adds this rank's samples' statistics of the decoded variants to columns [col0, col0 + G.cols()).
    void accumulate(const DecodedBlock& block, Eigen::MatrixXd& stats, Eigen::Index col0) const;
    // Collective: ONE allreduce of the block's statistics, then one result per variant appended.
    void finish(Eigen::MatrixXd& stats, std::vector<VariantResult>& out) const;

private:
    const Comm& comm_;
    double max_vif_;
    Eigen::Index k_ = 0;
    std::int64_t n_total_ = 0;
    Eigen::MatrixXd Q_;        // n_local x k
    Eigen::MatrixXd W_;        // [Q, y~, 1]: one GEMM gives Q'g, y~'g and sum g
    Eigen::VectorXd y_res_;    // y~
    Eigen::VectorXd qy_res_;   // Q'y~ over all ranks (0 up to rounding)
    double yy_res_ = 0;        // y~'y~ over all ranks
};

}  // namespace kohort::gwas
