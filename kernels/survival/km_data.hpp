// Turns a km/cif job section into validated local event rows and the curve layout shared by the
// Kaplan-Meier, log-rank, Aalen-Johansen and Gray computations.
//
// Curve design (docs/algorithms-km.md): every variable on the right-hand side, plain or inside
// strata(), splits the curves, as survfit does, and curves are labelled as survfit labels them
// ("sex=1", "sex=1, ph.ecog=0"; "all" without variables). The between-curve tests compare groups:
// the combinations of the plain variables, stratified by the strata() variables, as survdiff and
// cuminc(group, strata) do; when the formula has only strata() variables their combinations are
// the groups (Surv(time, status) ~ strata(sex) compares the sexes).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/cell_keys.hpp"
#include "kernels/kernel.hpp"
#include "kernels/survival/km_counts.hpp"

namespace kohort::survival {

struct SurvivalData {
    EventRows rows;                          // this rank's validated rows
    int n_causes = 1;                        // K (global); 1 for km
    std::vector<std::string> curve_labels;   // one per curve (global)
    std::vector<int> group_of, test_stratum_of;
    std::vector<std::string> group_labels, test_stratum_labels;
    bool has_start = false;
    bool has_weights = false;
    bool fractional_weights = false;         // any weight not an integer (all ranks)
    std::int64_t n_total = 0, n_dropped_missing = 0;
    FrameCellKeys keys;                      // cell keys of n_total and n_dropped_missing (perturbation)
};

// Collective. competing_risks: status is 0 = censored, 1..K = cause (cif, finegray); else 0/1.
// Throws UsageError for negative times, stop <= start, a status outside the coding, or negative
// or non-finite weights; the message names the model section and counts the offending rows.
SurvivalData load_survival_data(const ModelContext& ctx, bool competing_risks);

// Builds and merges (over ctx.comm) the per-curve counts.
EventCounts merged_counts(const ModelContext& ctx, const SurvivalData& data);

}  // namespace kohort::survival
