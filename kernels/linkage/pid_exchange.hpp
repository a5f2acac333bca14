// Bringing a register to the ranks that own its persons.
//
// A table stored partitioned by pid is already where it must be: rank r reads the pid buckets
// [first_bucket(r, R), first_bucket(r + 1, R)) of every such table (store.hpp), so a join on pid
// is rank-local and needs no communication. A table that is not partitioned by pid (imported
// without a person key order, or keyed on something else) is sent to the bucket owners with ONE
// all-to-all exchange of packed rows, then sorted by pid locally.
#pragma once
#include <string>
#include <vector>

#include "mpi/comm.hpp"
#include "store/store.hpp"
#include "store/table.hpp"

namespace kohort::linkage {

// The rank that owns pid's bucket among `ranks`.
int owner_rank(std::int64_t pid, int ranks);

// Sends every row to the owner of its pid (one Comm::alltoallv of packed bytes), then sorts the
// received rows by pid (stable, so rows of one person keep their order from lower ranks first).
// Collective. Rows with a missing pid are dropped and counted in `dropped`.
Table redistribute_by_pid(const Table& local, const Comm& comm, std::int64_t* dropped = nullptr);

// Sorts rows by pid (stable) unless they already are. Returns true when it had to sort.
bool sort_by_pid(Table& t);

struct LinkedRead {
    Table table;
    bool redistributed = false;
    std::int64_t rows_local = 0;   // rows this rank ends up with
};

// Reads this rank's share of `name` (only `columns`, which must include pid) so that it holds
// exactly the rows of the persons whose buckets the rank owns, sorted by pid. Collective.
LinkedRead read_linked(const Store& store, const std::string& name, const std::vector<std::string>& columns,
                       const Comm& comm);

}  // namespace kohort::linkage
