// Curves under a disclosure policy (issue 10, docs/governance.md "Curves"). A curve's per-time
// counts are coarsened before any estimate is computed, after OpenSAFELY's kaplan-meier-function:
//   1. times are binned: an exit at t is moved to the end of its bin, ceil(t / w) * w, an entry to
//      the bin's start, so no single person's event date is released;
//   2. per category (censored, each cause, entries), the cumulative count over the bins is rounded
//      to the nearest multiple of the policy's base b (OpenSAFELY rounds to k-wide midpoints; we
//      round to multiples so every released count and every difference of them is 0 or a
//      multiple of b: no step difference is a count of 1 .. b-1);
//   3. the per-bin counts are the differences of the rounded cumulative counts, and the estimate,
//      its standard error and the risk table are recomputed from them by the same estimator as the
//      exact curve, so ratios of estimates give back only rounded counts.
#pragma once
#include <cstdint>
#include <vector>

#include "jobs/cell_key.hpp"
#include "kernels/survival/km_counts.hpp"

namespace kohort::survival {

// The bin width for released times: about a hundredth of the largest time, rounded up to 1, 2 or
// 5 times a power of ten (so the width itself reveals no one's exact time).
double curve_bin_width(double max_time);

// The counts of one stratum as released: binned to width `width` and rounded to multiples of `base`.
// Weights: the cumulative weighted sums are rounded the same way and squared weights are taken as
// the weights (Greenwood), since per-person weights are not released.
// Under cell key perturbation (`table` given; sc keyed): each cumulative count is instead perturbed
// by the cell key of its rows (the sum of their record keys), then kept non-decreasing; the
// cumulative weighted sums get the same noise. The same persons give the same curve in any job.
StratumCounts coarsen_counts(const StratumCounts& sc, int n_categories, double width, std::int64_t base,
                             const cellkey::PerturbationTable* table = nullptr);

// The largest |a(t) - b(t)| over all t between two right-continuous step functions that both
// start at `start` before their first time (the sup is reached at a jump of either).
double max_step_difference(const std::vector<double>& time_a, const std::vector<double>& value_a,
                           const std::vector<double>& time_b, const std::vector<double>& value_b, double start);

}  // namespace kohort::survival
