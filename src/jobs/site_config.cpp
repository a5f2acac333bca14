#include "jobs/site_config.hpp"

#include <boost/program_options.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "jobs/job_file.hpp"

namespace kohort {
namespace po = boost::program_options;

SiteConfig load_site_config() {
    SiteConfig site;
    std::string path;
    if (const char* env = std::getenv("KOHORT_SITE_CONFIG"); env && *env) {
        path = env;
        if (!std::filesystem::exists(path))
            throw UsageError("KOHORT_SITE_CONFIG points to '" + path + "', which does not exist");
    } else if (std::filesystem::exists("/etc/kohort/site.ini")) {
        path = "/etc/kohort/site.ini";
    }
    site.policy = DisclosurePolicy::named("sds");
    if (const char* home = std::getenv("HOME")) site.audit_log = std::string(home) + "/.kohort/audit.jsonl";
    if (const char* env = std::getenv("KOHORT_AUDIT_LOG"); env && *env) site.audit_log = env;
    if (path.empty()) return site;

    site.path = path;
    std::ifstream file(path);
    if (!file) throw UsageError(path + ": cannot read the site configuration");
    std::stringstream raw;
    raw << file.rdbuf();
    std::set<std::string> sections;
    std::istringstream in(normalise_ini(raw.str(), path, sections));
    po::parsed_options parsed(nullptr);
    try {
        parsed = po::parse_config_file(in, po::options_description(), true);
    } catch (const po::error& e) {
        throw UsageError(path + ": cannot parse the site configuration: " + e.what());
    }
    for (const auto& opt : parsed.options) {
        if (opt.value.size() != 1) continue;
        const std::string& key = opt.string_key;
        const std::string value = trim(opt.value.front());
        if (key == "disclosure.policy") {
            site.policy = DisclosurePolicy::named(value);
        } else if (key == "disclosure.min_count") {
            site.policy.min_count = std::stoll(value);
            site.policy.name = site.policy.name == "none" ? "custom" : site.policy.name;
        } else if (key == "disclosure.rounding") {
            site.policy.rounding = std::stoll(value);
        } else if (key == "audit.log") {
            site.audit_log = value;
        } else if (key.rfind("project.", 0) == 0) {
            const auto dot = key.rfind('.');
            const std::string project = key.substr(8, dot - 8);
            const std::string field = key.substr(dot + 1);
            auto& appr = site.projects[project];
            for (const auto& item : split_list(value)) {
                if (field == "tables") appr.tables.insert(item);
                else if (field == "columns") appr.columns.insert(item);
            }
        }
    }
    if (const char* env = std::getenv("KOHORT_AUDIT_LOG"); env && *env) site.audit_log = env;  // wins over [audit]
    return site;
}

void SiteConfig::check_approved(const std::string& project, const std::string& table,
                                const std::string& column) const {
    if (projects.empty()) return;
    auto it = projects.find(project);
    if (it == projects.end())
        throw GovernanceError("project '" + project + "' has no approval in the site configuration " + path +
                              "; ask the platform to approve it, and set [job] project = NAME");
    const auto& a = it->second;
    if (!a.tables.empty() && !a.tables.count(table))
        throw GovernanceError("project '" + project + "' is not approved for table '" + table + "'");
    if (!a.columns.empty() && !a.columns.count(table + "." + column) && !a.columns.count(column))
        throw GovernanceError("project '" + project + "' is not approved for column '" + table + "." + column + "'");
}

DisclosurePolicy effective_policy(const SiteConfig& site, const std::string& job_request) {
    if (job_request.empty()) return site.policy;
    const DisclosurePolicy asked = DisclosurePolicy::named(job_request);
    if (!site.policy.is_at_most_as_strict_as(asked))
        throw GovernanceError("the job asks for disclosure policy '" + job_request + "', which is looser than the site's '" +
                              site.policy.name + "'; a job may make the policy stricter, never looser");
    return DisclosurePolicy::strictest(site.policy, asked);
}

}  // namespace kohort
