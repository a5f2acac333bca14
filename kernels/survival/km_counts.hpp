// Per-(stratum, distinct time) sums: the only thing the Kaplan-Meier, Aalen-Johansen, log-rank and
// Gray estimators need from the rows. Each rank builds its table from its own rows (consume), tables
// merge by aligning on the union of their times (merge), and across MPI ranks the merge is one
// allgatherv of the distinct times followed by one allreduce of the counts, so communication is
// O(#distinct times), independent of the number of rows.
#pragma once
#include <cstdint>
#include <vector>

#include "mpi/comm.hpp"

namespace kohort::survival {

// One stratum's sorted distinct times and, per time, sums over the rows that end there.
// Categories: 0 = censored, 1..K = event of cause k (K = 1 for ordinary survival).
struct StratumCounts {
    std::vector<double> time;        // strictly increasing
    // Indexed [t * n_categories + c]: sum of weights, sum of squared weights, number of rows.
    std::vector<double> w, w2, rows;
    // Rows whose interval starts at this time (counting-process data, Surv(start, stop, status)):
    // they are at risk only strictly after it.
    std::vector<double> enter_w, enter_w2, enter_rows;
    // Under cell key perturbation (keyed tables only): the uint64 sums of the rows' record keys,
    // indexed as rows and enter_rows (jobs/cell_key.hpp); empty otherwise.
    std::vector<std::uint64_t> key, enter_key;

    std::size_t size() const { return time.size(); }
};

struct EventRows {
    // One entry per row (local rows of one rank). start is empty for right-censored data.
    std::vector<std::int32_t> stratum;
    std::vector<double> start, stop;
    std::vector<std::int32_t> status;  // 0 censored, 1..K cause
    std::vector<double> weight;
    std::vector<std::uint64_t> key;    // record key per row (cell key perturbation), else empty
};

class EventCounts {
public:
    // keyed: the tables also sum record keys (every rank must pass the same).
    EventCounts(int n_strata, int n_causes, bool keyed = false);
    bool keyed() const { return keyed_; }

    // consume: accumulates the given rows (validated by the caller).
    void consume(const EventRows& rows);
    // merge: adds another table over the same strata and causes.
    void merge(const EventCounts& other);
    // The MPI merge: afterwards every rank holds the global table (collective).
    void allreduce(const Comm& comm);

    int n_strata() const { return static_cast<int>(strata_.size()); }
    int n_causes() const { return n_causes_; }
    int n_categories() const { return n_causes_ + 1; }
    const StratumCounts& stratum(int s) const { return strata_[static_cast<std::size_t>(s)]; }

private:
    // Re-expresses stratum s on the sorted grid `grid` (a superset of its times).
    StratumCounts regrid(const StratumCounts& from, const std::vector<double>& grid) const;

    int n_causes_;
    bool keyed_ = false;
    std::vector<StratumCounts> strata_;
};

}  // namespace kohort::survival
