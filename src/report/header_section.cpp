// The job header: who/what/why, the run's shape (ranks x threads, wall time per phase, peak
// memory) and the inputs used, all as results.json and job.log release them.
#include <algorithm>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "formula/formula.hpp"
#include "report/released.hpp"

namespace kohort::report {
namespace {

const char* const kNotReleased = "<span class=\"muted\">not in the released files</span>";

std::string text_or_missing(const json& v) {
    if (v.is_null()) return kNotReleased;
    if (v.is_string() && v.get<std::string>().empty()) return "<span class=\"muted\">not set in the job file</span>";
    return esc(show(v));
}

// The runner's own steps in job.log (the kernels' detail lines and the instant [variable.*]
// definitions stay in the log section).
bool is_phase_line(const std::string& msg) {
    if (msg.find("[variable.") != std::string::npos) return false;
    for (const char* prefix : {"job '", "deriving table", "loading ", "read ", "model '", "done in"})
        if (msg.rfind(prefix, 0) == 0) return true;
    return false;
}

// Tables and the columns read from each: the cohort builders' inputs, results.json's own
// "inputs" when a runner releases them, and for models on store tables the columns their options
// name (formula, columns, by, weights, cluster).
std::map<std::string, std::set<std::string>> tables_used(const Released& r) {
    std::map<std::string, std::set<std::string>> used;
    auto add_inputs = [&](const json& inputs) {
        if (!inputs.is_array()) return;
        for (const auto& in : inputs) {
            const json& t = field(in, "table");
            if (!t.is_string()) continue;
            auto& cols = used[t.get<std::string>()];
            for (const auto& c : field(in, "columns"))
                if (c.is_string()) cols.insert(c.get<std::string>());
        }
    };
    add_inputs(field(r.results, "inputs"));
    const json& derived = field(r.results, "derived_tables");
    if (derived.is_object())
        for (const auto& [_, d] : derived.items()) add_inputs(field(d, "inputs"));
    if (!r.models().is_object()) return used;
    for (const auto& [_, m] : r.models().items()) {
        const json& opts = field(m, "options");
        const json& table = field(opts, "table");
        if (!table.is_string() || (derived.is_object() && derived.contains(table.get<std::string>()))) continue;
        auto& cols = used[table.get<std::string>()];
        try {
            if (field(opts, "formula").is_string())
                for (const auto& c : parse_formula(field(opts, "formula").get<std::string>()).columns()) cols.insert(c);
        } catch (const std::exception&) {
            // The job ran with this formula; a parser that changed since cannot stop the page.
        }
        for (const char* key : {"columns", "by", "weights", "cluster"}) {
            const json& v = field(opts, key);
            if (!v.is_string()) continue;
            std::stringstream ss(v.get<std::string>());
            for (std::string c; std::getline(ss, c, ',');) {
                c.erase(0, c.find_first_not_of(" \t"));
                c.erase(c.find_last_not_of(" \t") + 1);
                if (!c.empty()) cols.insert(c);
            }
        }
    }
    return used;
}

std::string tables_html(const Released& r) {
    const auto used = tables_used(r);
    if (used.empty()) return kNotReleased;
    std::string o = "<ul class=\"tables\">";
    for (const auto& [t, cols] : used) {
        o += "<li><code>" + esc(t) + "</code>: ";
        if (cols.empty()) o += "all columns";
        bool first = true;
        for (const auto& c : cols) o += (first ? "" : ", ") + std::string("<code>") + esc(c) + "</code>", first = false;
        o += "</li>";
    }
    return o + "</ul>";
}

std::string memory_html(const json& job) {
    const json& per_rank = field(job, "peak_rss_mib");
    if (per_rank.is_array() && !per_rank.empty() && per_rank.size() <= 16) {
        std::string o;
        for (std::size_t i = 0; i < per_rank.size(); ++i)
            o += (i ? ", " : "") + std::string("rank ") + std::to_string(i) + ": " + esc(show(per_rank[i]));
        return o + " MiB";
    }
    if (per_rank.is_array() && per_rank.size() > 16) {  // many ranks: the spread, each in results.json
        std::vector<double> v;
        for (const auto& x : per_rank)
            if (x.is_number()) v.push_back(x.get<double>());
        if (!v.empty()) {
            std::sort(v.begin(), v.end());
            return "smallest " + esc(show(json(v.front()))) + ", middle " + esc(show(json(v[(v.size() - 1) / 2]))) +
                   ", largest " + esc(show(json(v.back()))) + " MiB over " + std::to_string(v.size()) +
                   " ranks <span class=\"muted\">(each rank's in results.json)</span>";
        }
    }
    const json& max_rank = field(job, "peak_rss_mib_max_rank");
    if (max_rank.is_null()) return kNotReleased;
    return esc(show(max_rank)) + " MiB on the largest rank <span class=\"muted\">(per-rank figures are not released)</span>";
}

// The hash of the record that released this page (jobs/audited_commit.hpp says how it gets here).
std::string audit_html(const Released& r) {
    if (r.audit_record_sha256.empty())
        return "<span class=\"muted\">not named: this page was rebuilt from a folder whose page named no "
               "audit record</span>";
    return audit_hash_markup(r.audit_record_sha256) +
           "<br><span class=\"muted\">the record_sha256 of this job's record in the audit log, which "
           "<code>kohort audit verify</code> checks and <code>kohort audit report</code> lists. The record "
           "gives this page's SHA-256 with this hash written as 64 zeros, since a page cannot hold the "
           "hash of a record that holds its own.</span>";
}

// Wall time of each phase: results.json's "phases" when released, else the timestamped steps of
// job.log, with each model's and derived table's own "seconds".
std::string phases_html(const Released& r) {
    HtmlTable t;
    t.caption = "Wall time per phase";
    t.css_class = "num";
    const json& phases = field(field(r.results, "job"), "phases");
    if (phases.is_object()) {
        t.head = {"phase", "seconds"};
        for (const auto& [k, v] : phases.items()) t.rows.push_back({esc(k), esc(show(v))});
    } else if (phases.is_array()) {
        t.head = {"phase", "seconds"};
        for (const auto& p : phases) t.rows.push_back({esc(show(field(p, "name"))), esc(show(field(p, "seconds")))});
    } else {
        t.head = {"phase", "started at (s, job.log)", "seconds"};
        const json& derived = field(r.results, "derived_tables");
        std::map<std::string, json> seconds;  // log step -> its released duration
        if (derived.is_object())
            for (const auto& [name, d] : derived.items())
                if (!field(d, "seconds").is_null()) seconds["deriving table '" + name + "'"] = field(d, "seconds");
        if (r.models().is_object())
            for (const auto& [name, m] : r.models().items())
                if (!field(m, "seconds").is_null()) seconds["model '" + name + "'"] = field(m, "seconds");
        if (const std::string* log = r.file("job.log")) {
            static const std::regex line(R"re(^\[\s*([0-9.]+)s\] (.*)$)re");
            std::stringstream ss(*log);
            for (std::string l; std::getline(ss, l);) {
                std::smatch m;
                if (!std::regex_match(l, m, line) || !is_phase_line(m[2].str())) continue;
                std::string secs = "";
                for (const auto& [prefix, v] : seconds)
                    if (m[2].str().rfind(prefix, 0) == 0) secs = esc(show(v));
                t.rows.push_back({esc(m[2].str()), esc(m[1].str()), secs});
            }
        }
    }
    if (t.rows.empty()) return "";
    return t.render();
}

}  // namespace

std::string header_section(const Released& r) {
    const json& job = field(r.results, "job");
    const json& disc = field(r.results, "disclosure");
    std::string title = field(job, "name").is_string() ? field(job, "name").get<std::string>() : "kohort job";
    std::string shape = kNotReleased;
    if (!field(job, "ranks").is_null())
        shape = esc(show(field(job, "ranks"))) + " rank(s) × " + esc(show(field(job, "threads_per_rank"))) + " thread(s) per rank";
    std::string policy = esc(show(field(disc, "policy")));
    if (!field(disc, "min_count").is_null()) policy += ", minimum count " + esc(show(field(disc, "min_count")));
    if (!field(disc, "rounding").is_null()) policy += ", rounding to " + esc(show(field(disc, "rounding")));
    std::string o = "<header id=\"job\"><p class=\"kicker\">kohort job report</p><h1>" + esc(title) + "</h1>\n";
    o += definition_list({{"Project", text_or_missing(field(job, "project"))},
                          {"Purpose", text_or_missing(field(job, "purpose"))},
                          {"kohort version", text_or_missing(field(r.results, "kohort_version"))},
                          {"Ranks × threads", shape},
                          {"Wall time", field(job, "wall_seconds").is_null() ? kNotReleased : esc(show(field(job, "wall_seconds"))) + " s"},
                          {"Peak memory", memory_html(job)},
                          {"Disclosure policy", policy},
                          {"Tables and columns used", tables_html(r)},
                          {"Audit record", audit_html(r)}});
    for (const auto& n : r.notes) o += "<p class=\"warn\">" + esc(n) + "</p>\n";
    o += "</header>\n";
    const std::string phases = phases_html(r);
    if (!phases.empty()) o += "<section id=\"phases\"><h2>Phases</h2>\n" + phases + "</section>\n";
    return o;
}

}  // namespace kohort::report
