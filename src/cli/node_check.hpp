// The measurements of `kohort node-check` (docs/admin.md, "Node check"): what decides kohort's
// speed on a node. Every function is collective over `comm` (all ranks of the check).
#pragma once
#include <string>
#include <vector>

#include "mpi/comm.hpp"

namespace kohort::cli::node_check {

struct Layout {
    int ranks = 1;              // all ranks of the check
    int hosts = 1;              // distinct nodes
    int ranks_per_node = 1;     // on the busiest node
    int local_rank = 0;         // this rank's index on its node
    int cores_per_node = 1;     // CPUs this node gives the job (Slurm's allocation, else online CPUs)
    std::vector<std::string> host_names;  // distinct, sorted
};
Layout mpi_layout(const Comm& comm);

// A barrier that sleeps while it waits, so ranks idle in one measurement do not steal the CPU
// from the ranks being measured (MPI's own barrier spins).
void quiet_barrier(const Comm& comm);

// STREAM triad, a[i] = b[i] + s c[i] (McCalpin's STREAM, "Triad"; bytes counted as STREAM does,
// 24 per element), on every rank at once with `threads` OpenMP threads each; arrays of
// `bytes_per_node` / 3 in all per node. Returns the node's GB/s (best of several repeats).
double stream_triad_gbs(const Comm& comm, const Layout& layout, int threads, double bytes_per_node);

// One IRLS pass of a logistic GLM (kernels/regression/glm_pass.hpp: the weighted Gram matrix and
// score, then their allreduce) over `rows_per_node` synthetic rows x `p` columns, on the first
// `active_per_node` ranks of each node with `threads` threads each. Returns seconds (best of 3,
// slowest rank).
double glm_pass_seconds(const Comm& comm, const Layout& layout, int active_per_node, int threads,
                        long rows_per_node, int p);

struct AllreduceFigures {
    double latency_us = 0;      // one double, mean over many calls
    double bytes = 0;           // the bandwidth message size
    double algbw_gbs = 0;       // bytes / time
    double busbw_gbs = 0;       // algbw x 2 (P-1) / P: the link rate a ring allreduce needs (nccl-tests' definition)
};
AllreduceFigures allreduce_figures(const Comm& comm);

struct StoreFigures {
    std::string path;           // the store read
    bool written = false;       // written by the check (then removed)
    double write_seconds = 0;
    std::string table;          // the table read
    long long rows = 0;
    double bytes = 0;           // read by all ranks
    double read_seconds = 0;
};
// With `path` an existing file: reads its smallest table through parallel HDF5 (MPI-IO). With a
// folder or nothing: writes a small synthetic store there (or in $TMPDIR), reads it, removes it.
StoreFigures store_figures(const Comm& comm, const std::string& path);

}  // namespace kohort::cli::node_check
