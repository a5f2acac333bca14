// The site configuration (contract section 7): $KOHORT_SITE_CONFIG or /etc/kohort/site.ini.
#pragma once
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engine/option_decl.hpp"
#include "jobs/disclosure.hpp"

namespace kohort {

struct ProjectApproval {
    std::set<std::string> tables;   // empty: any table
    std::set<std::string> columns;  // "table.column" or "column"; empty: any column of an approved table
};

struct SiteConfig {
    std::string path;                  // where it was read from; empty when none exists
    DisclosurePolicy policy;           // the site's floor
    std::string audit_log;             // where audit records go
    // Cell key perturbation (issue 16): on for every job when policy.perturb; a job may turn it on
    // when record_key_file is set. The table: this file, or the built-in one when empty.
    std::string record_key_file;       // the platform secret for record keys (never printed)
    std::string perturbation_table;
    std::map<std::string, ProjectApproval> projects;  // [project.NAME]; empty map: no approvals enforced

    // Throws GovernanceError (exit 3) when the project may not read table.column.
    void check_approved(const std::string& project, const std::string& table, const std::string& column) const;
};

// Reads the site configuration. Without one, the policy is `sds` (minimum cell count 5): a
// site must opt out of disclosure control explicitly, never by accident.
SiteConfig load_site_config();

// The job's effective policy: the site's, or a stricter one the job asks for. A looser one is a
// GovernanceError.
// `perturbation`: the job's [job] perturbation ("cell_key", "none" or empty for the site's).
DisclosurePolicy effective_policy(const SiteConfig& site, const std::string& job_request,
                                  const std::string& perturbation = "");

// The declarations of the site configuration's sections: [disclosure], [audit], [project.NAME].
const std::vector<SectionDecl>& site_section_declarations();

}  // namespace kohort
