// Gray's (1988) K-sample test for cumulative incidence, as cmprsk::cuminc computes it (rho = 0),
// from the merged unweighted per-curve counts. Each curve is a (group, Gray-stratum) cell.
#pragma once
#include <vector>

#include "kernels/survival/km_counts.hpp"
#include "kernels/survival/logrank.hpp"

namespace kohort::survival {

// Test for `cause` (1..K). valid = false when the score variance is singular (cuminc reports -1).
struct GrayResult {
    ChiSquareTest test;
    bool valid = true;
};

GrayResult gray_test(const EventCounts& counts, int cause, const std::vector<int>& group_of, int n_groups,
                     const std::vector<int>& stratum_of, int n_strata);

}  // namespace kohort::survival
