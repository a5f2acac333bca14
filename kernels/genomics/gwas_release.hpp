// The per-variant counts a GWAS releases, through the job's release layer (contract section 7,
// docs/governance.md). A GWAS releases two kinds of person counts: the samples in the tests (`n`,
// released by the kernel) and, per variant, the samples with a call (OBS_CT, here). Under a
// rounding policy OBS_CT is rounded like every count (else two variants' OBS_CT would differ by a
// small exact count of missing calls); under cell key perturbation (issue 16) it is perturbed with
// the cell key of exactly the persons it counts, so two jobs with the same samples release the
// same values and two whose samples differ get unrelated noise. A1_FREQ is then released to 4
// decimal places: at full precision it is a fraction AC / (2 OBS_CT) whose denominator gives the
// exact OBS_CT back. Under `none` nothing changes (plink2's values).
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include "engine/kernel.hpp"
#include "kernels/genomics/gwas_options.hpp"
#include "kernels/genomics/gwas_result.hpp"
#include "kernels/genomics/gwas_samples.hpp"
#include "store/genotype_store.hpp"

namespace kohort::gwas {

// Collective. Per variant, the cell key of the samples with a call: the samples' key less the
// keys of the samples whose call is missing (modulo 2^64, so exact), summed over the ranks. One
// extra pass over the genotype blocks, made only when the job perturbs.
std::vector<cellkey::Key> called_cell_keys(const GenotypeReader& reader, const GwasSamples& samples,
                                           cellkey::Key samples_key, std::int64_t block, const Comm& comm);

// Replaces each released variant's OBS_CT by its released value (rounded, or perturbed when
// `samples_key` is given) and rounds its A1_FREQ; a variant whose released OBS_CT falls in
// 1 .. k-1 is withheld (released[v] = false). Surv tests use every sample (OBS_CT = n), so their
// OBS_CT is the released n. Call only when the policy is not exact. Returns the variants withheld.
std::int64_t release_variant_counts(const ModelContext& ctx, const GenotypeReader& reader, const GwasSamples& samples,
                                    Family family, std::optional<cellkey::Key> samples_key, std::int64_t block,
                                    std::vector<VariantResult>& results, std::vector<bool>& released);

}  // namespace kohort::gwas
