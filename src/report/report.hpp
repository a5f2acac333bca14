// report.html (contract section 5, issue 15): one self-contained page per job for researchers and
// output checkers, made only from the files the job releases (results.json, the CSVs and SVGs,
// disclosure.json, job.log). Reading nothing else, the page cannot show what the files do not:
// every number on it stands in a released file (tests/e2e/report checks this). The job builds it
// from its files just before they are committed; `kohort report OUTPUT` rebuilds it from a
// finished folder, byte for byte the same.
#pragma once
#include <map>
#include <string>

namespace kohort::report {

// Released file name (relative to the output folder) -> its content.
using FileMap = std::map<std::string, std::string>;

inline constexpr const char* kReportFile = "report.html";

// The page for a job's released files. `released` may hold report.html itself (it is ignored).
// `audit_record_sha256` is the hash of the job's audit record shown in the header: a job passes 64
// zeros and writes the hash over them once the record is written (jobs/audited_commit.hpp); ""
// shows that the page names no record. Never throws for odd content: what cannot be read is
// shown as such on the page.
std::string build_report(const FileMap& released, const std::string& audit_record_sha256 = "");

// The header's audit hash as it stands in the page's markup, and the text just before the hash.
std::string audit_hash_markup(const std::string& record_sha256);
inline constexpr const char* kAuditHashMarker = "<code id=\"audit-record-sha256\">";
// The record hash a page shows ("" when none): `kohort report` keeps it when it rebuilds the page.
std::string audit_hash_shown(const std::string& page);

// The regular files directly in `folder` (a job's output folder), report.html excluded.
// Throws UsageError when the folder is missing or holds no results.json.
FileMap read_released_files(const std::string& folder);

// build_report(read_released_files(folder)), keeping the audit hash that the folder's report.html
// shows.
std::string build_report_from_folder(const std::string& folder);

}  // namespace kohort::report
