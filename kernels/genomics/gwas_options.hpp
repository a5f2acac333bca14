// kind = gwas: every option of a [model.NAME] section, read in one place (parse_gwas_options).
#pragma once
#include <cstdint>
#include <string>

#include "formula/formula.hpp"
#include "kernels/kernel.hpp"

namespace kohort::gwas {

enum class Family { gaussian, binomial, cox };

struct GwasOptions {
    std::string where;           // "job.ini [model.NAME]" for messages
    std::string table;           // phenotype table: outcome and covariates, one row per person
    std::string genotypes;       // genotype table (store/genotype_store.hpp)
    Formula formula;             // outcome ~ covariates; the variant is added per test
    Family family = Family::gaussian;
    std::int64_t block_variants = 0;  // 0: the genotype table's stored block
    double vif = 50;             // plink2 --vif: a variant whose VIF against the covariates exceeds it is NA
    double refit_p = 1e-5;       // Surv: full Cox fit for variants with score p below this
    bool firth_fallback = true;  // binomial: Firth when logistic regression fails (plink2's default)
};

// Keys (type, default, meaning):
//   table       string, required   phenotype table with one row per person (pid, outcome, covariates)
//   genotypes   string, required   genotype table (kohort import --plink, kohort synth --genotypes)
//   formula     string, required   "y ~ covariates", "case ~ ...", or "Surv(time, status) ~ ..."
//   family      string, gaussian   gaussian | binomial; must be omitted (or cox) for Surv(...)
//   block       int, table's block variants tested per block (one allreduce per block)
//   vif         double, 50         variance inflation factor limit of the variant (plink2 --vif)
//   refit_p     double, 1e-5       Surv: score p below which the variant gets a full Cox fit
//   firth       string, fallback   binomial: fallback (plink2's default) | no
// Throws UsageError naming the job file, section and key.
GwasOptions parse_gwas_options(const ModelSpec& spec);

}  // namespace kohort::gwas
