// Distributing a Cox fit's rows by event time, once at set-up (issue 14, point 1).
//
// Ranks own contiguous ranges of the global bins (event times, stratum by stratum); the range
// boundaries balance the rows each rank sums (a bin is never split). One exchange moves every
// at-risk row to the rank owning its exit bin (last_bin). A counting-process row whose entry bin
// (first_bin - 1, where its contribution is subtracted) lies in another rank's range is also
// copied there as an entry replica. After that a rank's bins are complete, so a Newton pass needs
// one exclusive scan and one allreduce of 1 + p + p(p+1)/2 doubles whatever the rows and the
// number of event times (docs/algorithms-cox.md, "Distribution by event time").
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/survival/cox_rows.hpp"
#include "mpi/comm.hpp"

namespace kohort {

// cut[r] .. cut[r + 1] are rank r's bins; cut has size + 1 entries, cut[0] = 0, cut[size] = T.
struct TimeRanges {
    std::vector<std::int64_t> cut;
    int owner(std::int64_t bin) const;
};

// Boundaries with about the same number of row terms per rank: each at-risk row counts at its exit
// bin and, for counting-process rows entering late, once more at its entry bin. Rank r's range
// starts at the first bin where the cumulative count reaches r/size of the total. Pure function
// of the global counts, so every rank computes the same cut.
TimeRanges cut_by_rows(const std::vector<std::int64_t>& count_per_bin, int ranks);

// Collective over comm: the global per-bin counts of row terms (CoxRows::terms_per_bin, counted by
// prepare_cox_rows with reorder = false), then cut_by_rows.
TimeRanges plan_time_ranges(const CoxRows& rows, const EventTimeIndex& bins, const Comm& comm);

// Collective over comm: moves rows to the ranks owning their exit bins, adds entry replicas,
// restores the exit order and regroups. X arrives as the frame's values (prepare_cox_rows with
// reorder = false) and leaves centred and scaled (CoxSetup::standardiser): each column is read
// once, for the sums behind setup.scale and setup.death_x (filled here) and for sending. Rows
// never at risk stay where they are. Per-row vectors that the set-up found constant on every rank
// are not sent: unit weights and a zero offset are left empty, as are the entry bins of
// right-censored rows (CoxRows). Nor are the rows' labels (event, exit bin, stratum): the exit
// groups replace them (set_groups_from_key_counts). Throws UsageError, prefixed with `what`, on every
// rank together where a rank holds more rows than a 4-byte index counts (then use more ranks, or
// communication = allreduce).
void distribute_by_time(CoxRows& rows, CoxSetup& setup, const TimeRanges& ranges, const Comm& comm,
                        const std::string& what);

}  // namespace kohort
