// The public transparency report from the audit log (`kohort audit report`): per project, which
// jobs ran, who ran them, for which purposes, on which tables and columns, and when. It copies
// only those fields of each record, so it can never carry a data value or a row count.
#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "jobs/audit.hpp"

namespace kohort {

struct AuditReportOptions {
    std::string since;            // YYYY-MM-DD: only records from that UTC day on; empty: all
    std::string format = "json";  // json | csv
};

// `records` come from read_verified_audit_log; `check` is its outcome (head hash, counts).
std::string audit_report(const std::vector<nlohmann::json>& records, const AuditChainCheck& check,
                         const AuditReportOptions& options);

}  // namespace kohort
