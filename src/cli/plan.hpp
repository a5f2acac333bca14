// `kohort run --plan JOB.ini`: memory per rank a job will need, from the store's metadata only
// (Store::info: rows, column types, dictionary sizes), so it is cheap on a login node.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace kohort::cli {

// The estimate's parts, in bytes for the whole job (all ranks together).
struct PlanEstimate {
    struct Input {
        std::string table;
        std::int64_t rows = 0;
        std::int64_t columns = 0;
        std::int64_t bytes = 0;         // in memory, rows x sum of the read columns' value sizes
        bool derived = false;           // built by a study section; bytes is an upper bound
    };
    struct Model {
        std::string name, kind, table;
        std::int64_t design_columns = 0;  // p, counting factor levels from dictionary sizes
        std::int64_t working_bytes = 0;   // model frame and kernel vectors
    };
    std::vector<Input> inputs;
    std::vector<Model> models;
    std::int64_t loaded_bytes = 0;      // all inputs: the runner keeps them for the whole job
    std::int64_t peak_working_bytes = 0;  // the largest model (models run one after another)
    bool assumed_factor_levels = false;   // some factor(x) of a numeric column was counted as 10 levels

    // Estimated resident memory of one rank when the job runs on `ranks` ranks.
    std::int64_t per_rank_bytes(int ranks) const;
};

// Fixed per-process memory beside the data: the binary, MPI and HDF5 buffers. A job on a tiny
// store peaks at about 35 MiB per rank (results.json peak_rss_mib_max_rank); 64 MiB leaves room.
inline constexpr std::int64_t kRuntimeOverheadBytes = std::int64_t{64} << 20;
// Rows split by pid hash buckets are close to, not exactly, even across ranks.
inline constexpr double kImbalanceFactor = 1.10;

// `overrides` are `kohort run --set section.key=value` strings, applied as the runner applies them.
PlanEstimate estimate_job(const std::string& job_file, const std::vector<std::string>& overrides = {});

// The report `kohort run --plan` prints. ranks > 0 adds a line for that rank count (for example
// the size of the communicator --plan runs under); the table covers 1..1024 ranks either way.
std::string plan_job(const std::string& job_file, int ranks = 0, const std::vector<std::string>& overrides = {});

}  // namespace kohort::cli
