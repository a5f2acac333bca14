// Binomial GWAS: per variant, the logistic regression y ~ covariates + g on the samples with a
// call, as plink2 --glm reports it, with plink2's default Firth fallback (docs/algorithms-gwas.md).
//
// Newton's method needs sums over all samples at every iteration, so the variants of a block are
// fitted in lockstep rounds: in each round every variant that is still iterating says what it
// needs (its information matrix and score at its current coefficients, ...), each rank sums that
// over its own samples, and ONE allreduce per round combines the sums of all those variants:
// O(variants x covariates^2) doubles per round, whatever the number of samples. All ranks then
// take the same decisions on the same sums, so they stay in step without further messages.
#pragma once
#include <Eigen/Dense>
#include <string>
#include <vector>

#include "kernels/genomics/gwas_result.hpp"
#include "kernels/genomics/gwas_samples.hpp"
#include "mpi/comm.hpp"
#include "store/genotype_store.hpp"

namespace kohort::gwas {

class LogisticGwas {
public:
    // Collective. Throws UsageError when the covariates are collinear or the outcome has no case
    // or no control.
    LogisticGwas(const GwasSamples& samples, const Comm& comm, double max_vif, bool firth_fallback,
                 const std::string& where);
    // Collective: tests variants [0, nv) of `raw` and appends one result per variant.
    void test_block(const GenotypeReader::Block& raw, std::int64_t nv, std::vector<VariantResult>& out);
    std::int64_t rounds() const { return rounds_; }  // allreduces so far (for the log)
    std::int64_t firth_count() const { return firth_; }
    bool covariate_separates() const { return always_firth_; }

private:
    const GwasSamples& s_;
    const Comm& comm_;
    double max_vif_;
    bool firth_fallback_;
    bool has_intercept_;
    bool always_firth_ = false;  // a covariate separates cases from controls (plink2: every variant Firth)
    std::int64_t rounds_ = 0;
    std::int64_t firth_ = 0;
};

}  // namespace kohort::gwas
