// The release step of a job (contract sections 2 and 7): the output folder is staged and fsynced
// under a temporary name, the audit record naming every staged file with its SHA-256 is appended
// and fsynced, and only then is the folder renamed into place. A failed audit write throws
// GovernanceError and leaves the target untouched (the staged folder is removed with `out`).
#pragma once
#include <nlohmann/json.hpp>

#include <string>

#include "jobs/output_dir.hpp"

namespace kohort {

// `record` is the job's audit record without status and output_files; this adds them.
void commit_with_audit(OutputDir& out, nlohmann::json record, const std::string& log_path);

}  // namespace kohort
