// The log-rank test as R's survdiff (rho = 0), optionally stratified, from the merged per-curve
// counts: each curve is one (group, stratum) cell. Runs in finalize on every rank.
#pragma once
#include <vector>

#include "kernels/survival/km_counts.hpp"

namespace kohort::survival {

struct ChiSquareTest {
    double statistic = 0.0;
    int df = 0;
    double p = 1.0;
};

// Upper tail of the chi-square distribution (R's pchisq(x, df, lower.tail = FALSE)).
double chisq_upper(double x, int df);

// counts: one stratum of `counts` per curve; group_of[c] in 0..n_groups-1, stratum_of[c] in
// 0..n_strata-1. Observed and expected events per group are summed over strata; the statistic is
// (O-E)' V^-1 (O-E) over the groups with E > 0, less the first (survdiff's choice), df = that count - 1.
ChiSquareTest logrank_test(const EventCounts& counts, const std::vector<int>& group_of, int n_groups,
                           const std::vector<int>& stratum_of, int n_strata,
                           std::vector<double>* observed = nullptr, std::vector<double>* expected = nullptr);

// Number at risk (weighted) just before time t in one stratum's counts.
double number_at_risk(const StratumCounts& sc, int n_categories, double t);

}  // namespace kohort::survival
