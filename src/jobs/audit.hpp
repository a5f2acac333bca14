// The audit trail (contract section 7): one JSON line per job, appended under an exclusive lock
// and flushed to disk before the job's outputs are released. A record names who ran what, for
// which project and purpose, on which inputs, and the SHA-256 of every output file. It never
// holds data values.
//
// The records form a hash chain (docs/governance.md, "Audit trail"):
//   seq            the record's line number in the log (1, 2, ...)
//   prev_sha256    SHA-256 of the previous line's bytes (without its newline); 64 zeros for line 1
//   record_sha256  SHA-256 of this line with this field's value written as "" (the seal)
// so an edited record fails its own seal (or, if resealed, the next record's prev_sha256), and a
// removed or reordered record breaks seq and prev_sha256 at the first line out of place.
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace kohort {

// Adds time, user, host, kohort version, seq and the chain hashes to `record` and appends it to
// `log_path`, creating the file and its folder if needed, and fsyncs it. Concurrent writers are
// serialised by a lock on the log, held from reading the last record to the fsync. Throws
// GovernanceError (exit 3) when the record cannot be written: a job that cannot be audited must
// not release results. A failed write is rolled back, so the log never ends in half a record.
// Returns the appended record's record_sha256 (its seal), which names the record.
std::string append_audit_record(const std::string& log_path, nlohmann::json record);

// The outcome of checking a log's chain.
struct AuditChainCheck {
    bool ok = true;
    std::int64_t records = 0;         // chained records read
    std::int64_t legacy_records = 0;  // leading unchained records from kohort before the chain
    std::int64_t failing_line = 0;    // 1-based; 0 when ok
    std::string reason;               // why failing_line fails
    std::string head_sha256;          // SHA-256 of the last line: publish it to anchor the chain
};

// Checks every line of the log (a missing log is an error: UsageError).
AuditChainCheck verify_audit_log(const std::string& log_path);

// Every record of a log whose chain holds (throws GovernanceError naming the failing line when it
// does not; UsageError when the log cannot be read).
std::vector<nlohmann::json> read_verified_audit_log(const std::string& log_path, AuditChainCheck* check = nullptr);

// --- chain rules, shared by the writer and the verifier --------------------------------------
inline const std::string kAuditGenesis(64, '0');
// The line for `record` at position `seq` after a line whose SHA-256 is `prev_sha256`, and the
// seal it carries (its record_sha256, which names the record: report.html shows it).
struct SealedAuditRecord {
    std::string line;
    std::string record_sha256;
};
SealedAuditRecord seal_audit_record(nlohmann::json record, std::int64_t seq, const std::string& prev_sha256);
// True when `line`'s record_sha256 matches its content.
bool audit_seal_holds(const std::string& line, const nlohmann::json& parsed);

}  // namespace kohort
