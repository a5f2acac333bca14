// What a GWAS releases: OUTPUT/NAME.tsv (plink2's column names, contract section 8), the
// results.json block (variants tested and withheld, lambda GC, top 20) and the disclosure gate.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "jobs/disclosure.hpp"
#include "kernels/genomics/gwas_options.hpp"
#include "kernels/genomics/gwas_result.hpp"
#include "store/genotype_store.hpp"

namespace kohort::gwas {

// Marks each variant released or withheld: withheld when its minor allele count, or its minor
// allele count among cases (binomial) or events (Surv), is a count the policy suppresses; also when
// its number of missing calls among the n_total tested samples is (OBS_CT would reveal it).
std::vector<bool> disclosure_gate(const std::vector<VariantResult>& results, const DisclosurePolicy& policy,
                                  std::int64_t n_total);

// Genomic inflation: median of the 1-df chi-square quantiles of the released P values divided by
// the chi-square median, 0.4549364 (Devlin and Roeder 1999). NaN with no P value.
double lambda_gc(const std::vector<VariantResult>& results, const std::vector<bool>& released);

std::string gwas_tsv(Family family, const std::vector<Variant>& variants, const std::vector<VariantResult>& results,
                     const std::vector<bool>& released);

nlohmann::json gwas_json(Family family, const std::vector<Variant>& variants,
                         const std::vector<VariantResult>& results, const std::vector<bool>& released, double lambda);

const char* family_name(Family family);

}  // namespace kohort::gwas
