// The output checker's view (OpenSAFELY's output checking, SACRO's outputs viewer): every released
// file with its status, and every value withheld or coarsened with the rule that did it, from
// disclosure.json. Statuses are words, never counts the files do not hold.
#include <set>

#include "report/released.hpp"

namespace kohort::report {
namespace {

// Names disclosure.json has entries for, beside the models of results.json.
std::set<std::string> disclosure_names(const Released& r) {
    std::set<std::string> names;
    const json& d = field(r.disclosure, "models").is_object() ? field(r.disclosure, "models") : r.disclosure;
    if (d.is_object())
        for (const auto& [k, v] : d.items())
            if (v.is_array() || (v.is_object() && k != "policy")) names.insert(k);
    if (r.disclosure.is_array())
        for (const auto& e : r.disclosure)
            if (field(e, "model").is_string()) names.insert(e["model"].get<std::string>());
    return names;
}

std::string owner_of(const Released& r, const std::string& file, std::string* model) {
    if (r.models().is_object())
        for (const auto& [name, m] : r.models().items())
            for (const auto& f : r.model_files(name))
                if (f == file) {
                    *model = name;
                    return "model <a href=\"#model-" + anchor(name) + "\">" + esc(name) + "</a> (" + esc(show(field(m, "kind"))) + ")";
                }
    if (file == "results.json") return "every model's results, the cohort flow, the run's figures";
    if (file == "job.log") return "progress log of the job";
    if (file == "disclosure.json") return "what disclosure control withheld or coarsened, and why";
    return "released file";
}

std::string files_table(const Released& r) {
    HtmlTable t;
    t.caption = "Released files";
    t.head = {"file", "content", "status"};
    for (const auto& [file, _] : r.files) {
        if (file == kReportFile) continue;
        std::string model;
        const std::string what = owner_of(r, file, &model);
        std::string status = "<span class=\"ok\">released</span>";
        if (!model.empty() && field(field(r.models(), model), "suppressed") == true)
            status = "<span class=\"warn\">released; the model's estimates are withheld</span>";
        else if (!model.empty() && !r.disclosure_entries(model).empty())
            status = "<span class=\"coarse\">released; values withheld or coarsened (below)</span>";
        t.rows.push_back({"<a href=\"" + esc(file) + "\"><code>" + esc(file) + "</code></a>", what, status});
    }
    t.rows.push_back({"<code>report.html</code>", "this page, built from the files above only", "<span class=\"ok\">released</span>"});
    return t.render();
}

std::string entries_table(const std::string& name, const std::vector<json>& entries) {
    // What was hit and the rule first, then any other field the entries carry.
    std::vector<std::string> keys;
    std::set<std::string> seen;
    for (const char* k : {"value", "field", "where", "rule", "action"})
        for (const auto& e : entries)
            if (e.contains(k) && seen.insert(k).second) keys.push_back(k);
    for (const auto& e : entries)
        for (const auto& [k, _] : e.items())
            if (seen.insert(k).second) keys.push_back(k);
    HtmlTable t;
    t.caption = "Withheld or coarsened in " + esc(name);
    for (const auto& k : keys) t.head.push_back(esc(k));
    for (const auto& e : entries) {
        std::vector<std::string> row;
        for (const auto& k : keys) {
            const json& v = field(e, k);
            row.push_back(v.is_structured() ? "<code>" + esc(v.dump()) + "</code>" : esc(show(v)));
        }
        t.rows.push_back(std::move(row));
    }
    return t.render();
}

}  // namespace

std::string checker_section(const Released& r) {
    std::string o = "<section id=\"checker\"><h2>Output checking</h2>\n";
    const json& disc = field(r.results, "disclosure");
    std::vector<std::pair<std::string, std::string>> policy = {{"Policy", esc(show(field(disc, "policy")))},
                                                               {"Minimum count", esc(show(field(disc, "min_count")))},
                                                               {"Rounding", esc(show(field(disc, "rounding")))},
                                                               {"Values suppressed (results.json)", esc(show(field(disc, "suppressed")))}};
    if (!field(disc, "coarsened").is_null()) policy.push_back({"Values coarsened (results.json)", esc(show(field(disc, "coarsened")))});
    o += definition_list(policy);
    o += files_table(r);
    o += "<h3>Withheld and coarsened values</h3>\n";
    if (!r.file("disclosure.json"))
        o += "<p class=\"muted\">This job released no <code>disclosure.json</code>; results.json's count of suppressed "
             "values above and each model's own notes are what it says.</p>\n";
    std::set<std::string> names = disclosure_names(r);
    if (r.models().is_object())
        for (const auto& [name, _] : r.models().items()) names.insert(name);
    bool any = false;
    for (const auto& name : names) {
        const json& m = field(r.models(), name);
        if (field(m, "suppressed") == true) {
            o += "<p class=\"warn\"><a href=\"#model-" + anchor(name) + "\">" + esc(name) + "</a>: the whole model is withheld: " +
                 esc(show(field(m, "reason"))) + "</p>\n";
            any = true;
        }
        const auto entries = r.disclosure_entries(name);
        if (entries.empty()) continue;
        o += entries_table(name, entries);
        const json& scope = field(field(r.disclosure, "models"), name);
        if (!field(scope, "withheld_total").is_null())
            o += "<p class=\"muted\">Withheld in all: " + esc(show(field(scope, "withheld_total"))) + "; listed above: " +
                 esc(show(field(scope, "withheld_listed"))) + ".</p>\n";
        any = true;
    }
    if (!any && r.file("disclosure.json")) o += "<p class=\"ok\">disclosure.json lists nothing withheld or coarsened.</p>\n";
    return o + "</section>\n";
}

std::string log_section(const Released& r) {
    const std::string* log = r.file("job.log");
    if (!log) return "";
    return "<section id=\"log\"><h2>Job log</h2><details><summary><code>job.log</code> as released</summary><pre>" + esc(*log) +
           "</pre></details></section>\n";
}

}  // namespace kohort::report
