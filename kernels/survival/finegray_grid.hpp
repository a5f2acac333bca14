// The global time grid of a Fine-Gray fit and the censoring distribution on it.
//
// cmprsk::crr weights a subject who failed from a competing cause at T_j by G(u-)/G(T_j-) at each
// later failure time u of the cause of interest, where G is the Kaplan-Meier estimate of the
// censoring distribution (censorings are the events, every failure is "censored"; Fine & Gray 1999,
// section 3). crr evaluates G just before each time (survfit of the censoring indicator read at
// t * (1 - 100 eps)); at t = 0 that reading includes censorings at 0, and kohort does the same.
//
// The grid is the merged per-time table of km_counts.hpp (one allgatherv of the distinct times,
// one allreduce of the counts), so it costs O(distinct times), not O(rows), and every rank holds
// the same copy.
#pragma once
#include <cstdint>
#include <vector>

#include "mpi/comm.hpp"

namespace kohort::survival {

struct FineGrayGrid {
    // Every distinct time (all categories), ascending, with per-time counts over all ranks.
    std::vector<double> time;
    std::vector<double> at_risk;        // rows with time >= time[k]
    std::vector<double> censored;       // censored rows at time[k]
    std::vector<double> g_weight;       // crr's G at time[k] (G(t-) for t > 0, G(0) at t = 0)
    // The distinct failure times of the cause of interest (the "bins" of the score sums).
    std::vector<std::int64_t> failure_index;  // index into time
    std::vector<double> failure_time, failure_count, failure_g;

    std::int64_t bins() const { return static_cast<std::int64_t>(failure_time.size()); }
    std::size_t index_of(double t) const;              // exact position of t in time
    std::int64_t last_failure_at_or_before(double t) const;  // -1 when none
    std::int64_t first_failure_after(double t) const;        // bins() when none
};

// Collective: builds the grid from this rank's times and categories (0 censored, 1 cause, 2 other).
FineGrayGrid build_finegray_grid(const std::vector<double>& time, const std::vector<std::int8_t>& category,
                                 const Comm& comm);

}  // namespace kohort::survival
