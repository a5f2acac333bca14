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

// The declared keys (`kohort kinds gwas`), and the options read from them after validation.
SectionDecl gwas_declaration();
GwasOptions parse_gwas_options(const Options& spec);

}  // namespace kohort::gwas
