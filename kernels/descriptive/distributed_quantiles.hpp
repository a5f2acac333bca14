// Exact order statistics of a column spread over ranks, without moving rows: a bisection over
// the totally ordered 64-bit keys of doubles, where each step needs one allreduce of a few counts.
// 64 steps find any order statistic exactly, so results do not depend on how rows are split.
#pragma once
#include <cstdint>
#include <vector>

#include "mpi/comm.hpp"

namespace kohort {

// Returns the values of the given 0-based global ranks (each < global count of `local`).
// `local` holds this rank's non-missing values. Collective.
std::vector<double> global_order_statistics(const std::vector<double>& local, const std::vector<std::int64_t>& ranks,
                                            const Comm& comm);

// R's default quantile (type 7) at probabilities `probs`, from a global count n > 0. Collective.
std::vector<double> global_quantiles_type7(const std::vector<double>& local, std::int64_t n,
                                           const std::vector<double>& probs, const Comm& comm);

}  // namespace kohort
