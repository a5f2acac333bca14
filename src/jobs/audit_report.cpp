#include "jobs/audit_report.hpp"

#include <cctype>
#include <map>
#include <set>

#include "core/error.hpp"
#include "jobs/csv_writer.hpp"

namespace kohort {

namespace {

std::string text_of(const nlohmann::json& r, const char* key) {
    return r.contains(key) && r[key].is_string() ? r[key].get<std::string>() : "";
}

// "table" and "table.column" of a record's inputs.
void inputs_of(const nlohmann::json& r, std::set<std::string>& tables, std::set<std::string>& columns) {
    if (!r.contains("inputs") || !r["inputs"].is_array()) return;
    for (const auto& in : r["inputs"]) {
        const std::string table = text_of(in, "table");
        if (table.empty()) continue;
        tables.insert(table);
        if (in.contains("columns") && in["columns"].is_array())
            for (const auto& c : in["columns"])
                if (c.is_string()) columns.insert(table + "." + c.get<std::string>());
    }
}

std::string joined(const std::set<std::string>& items) {
    std::string out;
    for (const auto& s : items) out += (out.empty() ? "" : ";") + s;
    return out;
}

void check_since(const std::string& since) {
    const bool shape = since.size() == 10 && since[4] == '-' && since[7] == '-';
    bool digits = shape;
    for (std::size_t i = 0; shape && i < since.size(); ++i)
        if (i != 4 && i != 7) digits = digits && std::isdigit(static_cast<unsigned char>(since[i]));
    if (!digits) throw UsageError("kohort audit report --since: found '" + since + "', expected a date YYYY-MM-DD");
}

}  // namespace

std::string audit_report(const std::vector<nlohmann::json>& records, const AuditChainCheck& check,
                         const AuditReportOptions& options) {
    if (options.format != "json" && options.format != "csv")
        throw UsageError("kohort audit report --format: found '" + options.format + "', expected csv or json");
    if (!options.since.empty()) check_since(options.since);

    struct Project {
        nlohmann::json jobs = nlohmann::json::array();
        std::set<std::string> users, purposes, tables, columns;
        std::string first, last;
    };
    std::map<std::string, Project> projects;
    CsvTable csv{{"project", "time", "user", "job", "purpose", "status", "tables", "columns"}, {}};
    for (const auto& r : records) {
        const std::string time = text_of(r, "time");
        // ISO 8601 UTC times compare as text; a record from the --since day itself is included.
        if (!options.since.empty() && time.substr(0, 10) < options.since) continue;
        std::string project = text_of(r, "project");
        if (project.empty()) project = "(no project)";
        Project& p = projects[project];
        std::set<std::string> tables, columns;
        inputs_of(r, tables, columns);
        const std::string user = text_of(r, "user"), purpose = text_of(r, "purpose"), job = text_of(r, "job"),
                          status = text_of(r, "status");
        p.jobs.push_back({{"time", time},
                          {"user", user},
                          {"job", job},
                          {"purpose", purpose},
                          {"status", status},
                          {"tables", tables},
                          {"columns", columns},
                          {"record_sha256", text_of(r, "record_sha256")}});  // the hash report.html shows
        p.users.insert(user);
        if (!purpose.empty()) p.purposes.insert(purpose);
        p.tables.insert(tables.begin(), tables.end());
        p.columns.insert(columns.begin(), columns.end());
        if (p.first.empty() || time < p.first) p.first = time;
        if (time > p.last) p.last = time;
        csv.rows.push_back({project, time, user, job, purpose, status, joined(tables), joined(columns)});
    }
    if (options.format == "csv") return to_csv(csv);

    nlohmann::json out = {{"audit_log",
                           {{"records", check.records + check.legacy_records},
                            {"chain_verified", check.ok},
                            {"head_sha256", check.head_sha256}}},
                          {"since", options.since.empty() ? nlohmann::json(nullptr) : nlohmann::json(options.since)},
                          {"projects", nlohmann::json::array()}};
    for (const auto& [name, p] : projects)
        out["projects"].push_back({{"project", name},
                                   {"jobs", p.jobs.size()},
                                   {"first", p.first},
                                   {"last", p.last},
                                   {"users", p.users},
                                   {"purposes", p.purposes},
                                   {"tables", p.tables},
                                   {"columns", p.columns},
                                   {"runs", p.jobs}});
    return out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace kohort
