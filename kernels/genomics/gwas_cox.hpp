// Surv GWAS (contract section 8): per variant, the Cox score test for adding the variant to the
// covariates at their null-model estimates (Efron ties), and a full Cox fit of covariates +
// variant for variants whose score p is below refit_p. A missing call takes the variant's mean
// dosage among the called samples (REGENIE, SPACox). docs/algorithms-gwas.md derives the terms.
//
// Per block of variants, two allreduces:
//   1. counts: called samples, A1 dosage sum, and events carrying each allele (5 doubles per
//      variant): the mean dosage for imputation and the disclosure counts;
//   2. scores: U_g = g'm, sum g^2 H, I_gx = Z'g (p), and per event time the risk-set sum of r g
//      (T) and per tied event time the deaths' sum of r g (T_tied): (2 + p + T + T_tied) doubles
//      per variant. The exact Efron information needs the risk-set sums per event time, so this
//      grows with the number of distinct event times (not with the number of persons).
// Then each rank finishes the same statistics; refits are collective Cox fits (cox_fit.hpp).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "kernels/genomics/gwas_options.hpp"
#include "kernels/genomics/gwas_result.hpp"
#include "kernels/genomics/gwas_samples.hpp"
#include "mpi/comm.hpp"
#include "store/genotype_store.hpp"

namespace kohort::gwas {

struct CoxGwasRun {
    std::vector<VariantResult> results;  // one per variant of the table, in table order
    std::int64_t refits = 0;
    std::int64_t event_times = 0;        // T
    std::int64_t tied_event_times = 0;   // T_tied
    std::size_t bytes_per_variant = 0;   // allreduce payload per variant (both reductions)
    int null_iterations = 0;
};

// Collective. `block` variants per step (capped so the score statistics stay within ~64 MB).
CoxGwasRun run_cox_gwas(const GenotypeReader& reader, const GwasSamples& samples, const GwasOptions& options,
                        std::int64_t block, const Comm& comm, const std::function<void(const std::string&)>& log);

}  // namespace kohort::gwas
