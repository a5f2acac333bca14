// Runs a job file: loads each rank's share of the tables the models use, derives study tables,
// fits every [model.*], applies disclosure control, writes results atomically, appends an audit record.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "jobs/job_file.hpp"
#include "mpi/comm.hpp"

namespace kohort {

struct RunOptions {
    bool quiet = false;  // no progress lines on stderr
};

// Collective over comm. Returns results.json's content (on every rank).
nlohmann::json run_job(const JobFile& job, const Comm& comm, const RunOptions& options = {});

}  // namespace kohort
