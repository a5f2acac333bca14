// Manhattan and QQ plots of a GWAS as self-contained SVG. Points are drawn once per pixel (a point
// that would land on an already drawn pixel adds nothing), so the file stays small at any number
// of variants. Only released variants are drawn.
#pragma once
#include <string>
#include <vector>

#include "kernels/genomics/gwas_result.hpp"
#include "store/genotype_store.hpp"

namespace kohort::gwas {

// Chromosomes in alternating colours along the genome, -log10(P) up, the genome-wide line at 5e-8.
std::string manhattan_svg(const std::string& title, const std::vector<Variant>& variants,
                          const std::vector<VariantResult>& results, const std::vector<bool>& released);

// Observed against expected -log10(P) under the null, with the identity line and lambda GC.
std::string qq_svg(const std::string& title, const std::vector<VariantResult>& results,
                   const std::vector<bool>& released, double lambda);

}  // namespace kohort::gwas
