// The release step of a job (contract sections 2 and 7): the output folder is staged and fsynced
// under a temporary name, the audit record naming every staged file with its SHA-256 is appended
// and fsynced, and only then is the folder renamed into place. A failed audit write throws
// GovernanceError and leaves the target untouched (the staged folder is removed with `out`).
//
// report.html shows the hash (record_sha256) of the record that releases it. The record lists the
// page's SHA-256, so the page cannot hold the record's hash when that SHA-256 is taken: the page is
// staged with kUnsealedRecordHash (64 zeros) in its place, hashed and recorded so, and the record's
// hash is written over the zeros before the folder is published. Checking the page against its
// record is the record's own seal rule applied to the page: write the shown hash back as 64 zeros
// and hash (docs/governance.md, "The report page and its record").
#pragma once
#include <nlohmann/json.hpp>

#include <string>

#include "jobs/output_dir.hpp"

namespace kohort {

// What a staged file shows in place of its record's hash until the record is written.
inline const std::string kUnsealedRecordHash(64, '0');

// The one place in a staged file that shows the record's hash: `before` followed by the hash.
struct RecordHashSlot {
    std::string file;    // empty: no file shows it
    std::string before;  // the text just before the hash, which makes the place unique
};

// `record` is the job's audit record without status and output_files; this adds them. Once the
// record is written, `slot`'s kUnsealedRecordHash becomes the record's hash.
void commit_with_audit(OutputDir& out, nlohmann::json record, const std::string& log_path,
                       const RecordHashSlot& slot = {});

}  // namespace kohort
