#include "jobs/site_config.hpp"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.hpp"
#include "jobs/job_file.hpp"

namespace kohort {

const std::vector<SectionDecl>& site_section_declarations() {
    static const std::vector<SectionDecl> d = [] {
        std::vector<SectionDecl> v;
        v.emplace_back("disclosure", "[disclosure] (site configuration)", "the site's disclosure policy");
        v.back().add(string_option("policy", "the named policy").form("none, dst, sds or opensafely").def("sds"));
        v.back().add(integer_option("min_count", 0, 1000000, "smallest count released").note("the policy's"));
        v.back().add(integer_option("rounding", 0, 1000000, "released counts are rounded to a multiple of this")
                         .note("the policy's"));
        v.back().add(choice_option("perturbation", {"none", "cell_key"},
                                   "cell key perturbation of every released count; cell_key: for every job")
                         .def("none"));
        v.back().add(string_option("perturbation_table", "the published perturbation table (docs/governance.md)")
                         .note("built in: share/perturbation/default.tsv"));
        v.back().add(string_option("record_key_file", "the platform secret for record keys (hex or raw, mode 600)")
                         .note("none: perturbation unavailable"));
        v.emplace_back("audit", "[audit] (site configuration)", "where audit records go");
        v.back().add(string_option("log", "the audit log file ($KOHORT_AUDIT_LOG wins)")
                         .note("~/.kohort/audit.jsonl"));
        v.emplace_back("project", "[project.NAME] (site configuration)", "what an approved project may read");
        v.back().add(columns_option("tables", "tables the project may read").note("any table").elsewhere());
        v.back().add(columns_option("columns", "columns it may read, as table.column or column")
                         .note("any column of an approved table")
                         .elsewhere());
        return v;
    }();
    return d;
}

namespace {

// One section of the site configuration, validated against its declaration.
Options validate_site_section(const IniFile& ini, const std::string& path, const std::string& section) {
    const std::string prefix = section.substr(0, section.find('.'));
    const auto line = ini.lines.count(section) ? ini.lines.at(section) : 0;
    for (const auto& d : site_section_declarations())
        if (d.name == prefix && (prefix == "project") == (section != prefix))
            return Options::validate(d, path, section, ini.sections.at(section), line);
    throw InputError(path, line, 0,
                     "unknown section [" + section +
                         "] in the site configuration; expected [disclosure], [audit] or [project.NAME]");
}

// $HOME, else the user's entry in the password database: a clean environment (env -i, some batch
// systems and containers) has no HOME, and the default audit log must still have a place.
std::string home_directory() {
    if (const char* home = std::getenv("HOME"); home && *home) return home;
    if (const passwd* pw = getpwuid(getuid()); pw && pw->pw_dir && *pw->pw_dir) return pw->pw_dir;
    return {};
}

// The site configuration file: $KOHORT_SITE_CONFIG, else /etc/kohort/site.ini when it exists, else
// none ("").
std::string site_config_path() {
    if (const char* env = std::getenv("KOHORT_SITE_CONFIG"); env && *env) {
        if (!std::filesystem::exists(env))
            throw UsageError(std::string("KOHORT_SITE_CONFIG points to '") + env + "', which does not exist");
        return env;
    }
    return std::filesystem::exists("/etc/kohort/site.ini") ? "/etc/kohort/site.ini" : "";
}

// Applies the sections of the site configuration file at `path` over the defaults in `site`.
void apply_site_file(const std::string& path, SiteConfig& site) {
    site.path = path;
    std::ifstream file(path);
    if (!file) throw UsageError(path + ": cannot read the site configuration");
    std::stringstream raw;
    raw << file.rdbuf();
    const IniFile ini = read_ini(raw.str(), path, "site configuration");
    for (const auto& section : ini.order) {
        const Options o = validate_site_section(ini, path, section);
        if (o.kind == "disclosure") {
            if (o.has("policy")) site.policy = DisclosurePolicy::named(o.text("policy"));
            if (o.has("min_count")) {
                site.policy.min_count = o.integer("min_count");
                site.policy.name = site.policy.name == "none" ? "custom" : site.policy.name;
            }
            if (o.has("rounding")) site.policy.rounding = o.integer("rounding");
            if (o.has("perturbation")) site.policy.perturb = o.choice("perturbation") == "cell_key";
            if (o.has("perturbation_table")) site.perturbation_table = o.text("perturbation_table");
            if (o.has("record_key_file")) site.record_key_file = o.text("record_key_file");
        } else if (o.kind == "audit") {
            if (o.has("log")) site.audit_log = o.text("log");
        } else if (o.kind == "project") {
            auto& appr = site.projects[o.name];
            for (const auto& t : o.columns("tables")) appr.tables.insert(t);
            for (const auto& c : o.columns("columns")) appr.columns.insert(c);
        }
    }
}

}  // namespace

// Defaults (policy sds, the audit log in the home directory), then the site file, then
// $KOHORT_AUDIT_LOG, which wins over [audit] log.
SiteConfig load_site_config() {
    SiteConfig site;
    site.policy = DisclosurePolicy::named("sds");
    if (const std::string home = home_directory(); !home.empty()) site.audit_log = home + "/.kohort/audit.jsonl";
    if (const std::string path = site_config_path(); !path.empty()) apply_site_file(path, site);
    if (const char* env = std::getenv("KOHORT_AUDIT_LOG"); env && *env) site.audit_log = env;
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

DisclosurePolicy effective_policy(const SiteConfig& site, const std::string& job_request,
                                  const std::string& perturbation) {
    if (perturbation == "none" && site.policy.perturb)
        throw GovernanceError("the job sets perturbation = none, but the site configuration " + site.path +
                              " makes cell key perturbation mandatory; a job may make the policy stricter, never looser");
    DisclosurePolicy floor = site.policy;
    if (perturbation == "cell_key") floor.perturb = true;
    if (floor.perturb && site.record_key_file.empty())
        throw GovernanceError("cell key perturbation needs the platform secret, and the site configuration" +
                              (site.path.empty() ? std::string(" (none was found)") : " " + site.path) +
                              " sets no [disclosure] record_key_file");
    if (job_request.empty()) return floor;
    DisclosurePolicy asked = DisclosurePolicy::named(job_request);
    asked.perturb = floor.perturb;
    if (!site.policy.is_at_most_as_strict_as(asked))
        throw GovernanceError("the job asks for disclosure policy '" + job_request + "', which is looser than the site's '" +
                              site.policy.name + "'; a job may make the policy stricter, never looser");
    return DisclosurePolicy::strictest(floor, asked);
}

}  // namespace kohort
