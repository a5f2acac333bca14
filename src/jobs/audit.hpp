// The audit trail (contract section 7): one JSON line per job, appended under an exclusive lock.
// A record names who ran what, for which project and purpose, on which inputs and outputs. It
// never holds data values.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

namespace kohort {

// Adds time, user, host and kohort version to `record` and appends it to `log_path`, creating
// the folder if needed. Throws InternalError if the record cannot be written: a job that cannot
// be audited must not release results.
void append_audit_record(const std::string& log_path, nlohmann::json record);

}  // namespace kohort
