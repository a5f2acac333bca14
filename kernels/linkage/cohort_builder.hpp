// Builds a study's analysis table from registers partitioned by pid: one row per person in the
// cohort with follow-up time, status and covariates (docs/cohorts.md).
//
// Every rank works on the persons whose pid buckets it owns. A register partitioned by pid is
// streamed (Store::stream) in blocks of the rank's own pid range, so the join is a rank-local merge
// of two pid-sorted sequences and needs no communication; any other register goes through
// read_linked() (pid_exchange.hpp, one all-to-all exchange). Each register is read once for all the
// variables defined on it, with codes matched once per dictionary entry (register_scan.hpp). Only
// aggregate counts are reduced.
#pragma once
#include <nlohmann/json.hpp>

#include <functional>
#include <string>

#include "jobs/release.hpp"
#include "jobs/job_file.hpp"
#include "kernels/linkage/study_definition.hpp"
#include "mpi/comm.hpp"
#include "store/store.hpp"
#include "store/table.hpp"

namespace kohort::linkage {

// Register rows per block of the streamed scan (register_scan.hpp): 128Ki rows keep a block of
// pid, date and code (2 MiB) in the L2/L3 cache.
inline constexpr std::size_t kScanBlockRows = std::size_t{1} << 17;

struct CohortInputs {
    const Comm& comm;
    const Store& store;
    const JobFile& job;
    const DisclosurePolicy& policy;               // for the released counts in `report`
    std::function<void(const std::string&)> log;  // may be empty
    // Register rows per block of the streamed scan; tests set it small to cross block boundaries.
    std::size_t block_rows = kScanBlockRows;
    // Throws GovernanceError (exit 3) when the job's project may not read table.column; empty:
    // no approvals enforced. The runner passes the site configuration's check.
    std::function<void(const std::string& table, const std::string& column)> approve;
    // The job's release layer: released counts are recorded under "cohort:NAME". Tests may leave
    // it null; the policy then applies without a record.
    ReleaseLayer* release = nullptr;
};

// This rank's rows of the cohort table, sorted by pid. Fills `report` with aggregate counts (the
// attrition flow, events, person-time, per-register scan statistics, warnings). Collective.
//
// Columns: pid, index_date, exit_date, time (in the cohort's time_unit), status (0 censored,
// 1 outcome, 2 competing event), event (status == 1), competing (status == 2), then the covariates.
Table build_cohort(const StudyDefinition& study, const CohortInputs& in, nlohmann::json& report);

// Calendar year of a day number (days since 1970-01-01).
int year_of(std::int64_t days);

}  // namespace kohort::linkage
