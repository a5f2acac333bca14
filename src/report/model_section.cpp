// One model's section: its formula and options, fit summary and convergence, the estimates with
// ratios and intervals, its curves (the released SVG inline) and risk tables, its released files.
#include <set>

#include "report/released.hpp"

namespace kohort::report {
namespace {

// What the exponentiated coefficient is, by kind and link (R's names).
std::string ratio_name(const json& model) {
    const std::string kind = show(field(model, "kind"));
    if (kind == "cox") return "HR";
    if (kind == "finegray") return "SHR";
    const std::string link = show(field(model, "link"));
    if (link == "logit") return "OR";
    if (link == "log") return "RR";
    return "exp(β)";
}

std::string options_html(const json& model) {
    const json& opts = field(model, "options");
    if (!opts.is_object()) return "<p class=\"muted\">The model's options are not in the released files.</p>\n";
    std::string o;
    if (field(opts, "formula").is_string()) o += "<p class=\"formula\"><code>" + esc(opts["formula"].get<std::string>()) + "</code></p>\n";
    std::vector<std::pair<std::string, std::string>> items;
    for (const auto& [k, v] : opts.items())
        if (k != "formula") items.push_back({esc(k), "<code>" + esc(show(v)) + "</code>"});
    return o + definition_list(items);
}

std::string convergence_html(const json& model) {
    const json& conv = field(model, "converged");
    if (conv.is_null()) return "";
    const std::string iters = field(model, "iterations").is_null() ? "" : " in " + esc(show(field(model, "iterations"))) + " iteration(s)";
    if (conv == true) return "<p class=\"ok\">Converged" + iters + ".</p>\n";
    return "<p class=\"warn\">Did not converge" + iters + ": treat the estimates with caution.</p>\n";
}

// Test objects ({statistic, df, p}) gathered from "tests" and any top-level test (logrank, gray_test).
std::string tests_table(const json& model) {
    HtmlTable t;
    auto add_one = [&](const std::string& name, const json& v) {
        t.rows.push_back({esc(name), esc(show(field(v, "statistic"))), esc(show(field(v, "df"))), esc(show_p(field(v, "p")))});
    };
    t.caption = "Tests";
    t.head = {"test", "statistic", "df", "P"};
    t.css_class = "num";
    auto add = [&](const std::string& name, const json& v) {
        if (v.is_object() && v.contains("statistic")) add_one(name, v);
        // Per-cause tests (Gray's test): {"tests": [{"cause", "statistic", "df", "p"}, ...]}.
        if (v.is_object() && field(v, "tests").is_array())
            for (const auto& c : v["tests"]) add_one(name + ", cause " + show(field(c, "cause")), c);
    };
    for (const auto& [k, v] : model.items()) {
        if (k == "tests" && v.is_object())
            for (const auto& [tk, tv] : v.items()) add(tk, tv);
        else add(k, v);
    }
    std::string o = t.rows.empty() ? "" : t.render();
    // Observed and expected events per group (survdiff's table), when a test releases them.
    for (const auto& [k, v] : model.items()) {
        if (!v.is_object() || !field(v, "groups").is_array() || !field(v, "observed").is_array()) continue;
        HtmlTable g;
        g.caption = esc(k) + ": events per group";
        g.css_class = "num";
        g.head = {"group", "observed", "expected"};
        for (std::size_t i = 0; i < v["groups"].size(); ++i)
            g.rows.push_back({esc(show(v["groups"][i])), esc(show(i < v["observed"].size() ? v["observed"][i] : json())),
                              esc(show(i < field(v, "expected").size() ? v["expected"][i] : json()))});
        o += g.render();
    }
    return o;
}

// Every other released scalar of the model (n, events, loglik, deviance, ...), as released.
std::string fit_facts(const json& model) {
    static const std::set<std::string> shown_elsewhere = {"kind", "options", "converged", "iterations", "coefficients",
                                                          "curves", "tests", "top_variants", "top", "reason", "warnings"};
    std::vector<std::pair<std::string, std::string>> items;
    const json& opts = field(model, "options");
    for (const auto& [k, v] : model.items()) {
        if (shown_elsewhere.count(k)) continue;
        if (field(opts, k).is_string() && field(opts, k).get<std::string>() == show(v)) continue;  // an option, shown above
        if (v.is_primitive()) {
            items.push_back({esc(k), esc(show(v)) + (k == "seconds" ? " s" : "")});
        } else if (v.is_array() && !v.empty() && v.size() <= 8 && v[0].is_primitive()) {
            std::string s;
            for (const auto& e : v) s += (s.empty() ? "" : ", ") + esc(show(e));
            items.push_back({esc(k), s});
        } else if (v.is_object() && !v.contains("statistic")) {
            std::string s;
            for (const auto& [sk, sv] : v.items())
                if (sv.is_primitive()) s += (s.empty() ? "" : "; ") + esc(sk) + " " + esc(show(sv));
            if (!s.empty()) items.push_back({esc(k), s});
        }
    }
    return items.empty() ? "" : definition_list(items);
}

std::string plot_description(const std::string& name, const json& model) {
    const std::string kind = show(field(model, "kind"));
    std::string d = kind == "km" ? "Kaplan-Meier survival curves of model " + name
                                 : "Cumulative incidence (Aalen-Johansen) curves of model " + name;
    std::set<std::string> strata;
    for (const auto& c : field(model, "curves")) strata.insert(show(field(c, "stratum")));
    if (!strata.empty()) {
        d += ", one per stratum (";
        bool first = true;
        for (const auto& s : strata) d += (first ? "" : ", ") + s, first = false;
        d += ")";
    }
    return d + ", with pointwise confidence bands and the number at risk below the time axis.";
}

}  // namespace

std::string estimates_table(const std::string& name, const json& model) {
    const json& coefs = field(model, "coefficients");
    if (!coefs.is_array() || coefs.empty()) return "";
    bool robust = false, ratio = false, interval = false;
    std::string stat = "z";
    for (const auto& c : coefs) {
        robust = robust || !field(c, "robust_se").is_null();
        ratio = ratio || !field(c, "exp_estimate").is_null();
        interval = interval || !field(c, "conf_low").is_null();
        if (c.contains("statistic")) stat = show(field(model, "statistic_type")) == "t" ? "t" : "z";
    }
    const std::string rn = ratio_name(model);
    HtmlTable t;
    t.caption = "Estimates of " + esc(name);
    t.css_class = "num";
    t.head = {"term", "β", "SE"};
    if (robust) t.head.push_back("robust SE");
    if (ratio) t.head.push_back(esc(rn));
    if (interval) t.head.push_back("95% CI");
    t.head.insert(t.head.end(), {esc(stat), "P"});
    for (const auto& c : coefs) {
        std::vector<std::string> row = {esc(show(field(c, "term"))), esc(show(field(c, "estimate"))), esc(show(field(c, "se")))};
        if (robust) row.push_back(esc(show(field(c, "robust_se"))));
        if (ratio) row.push_back("<strong>" + esc(show(field(c, "exp_estimate"))) + "</strong>");
        if (interval) row.push_back(esc(show(field(c, "conf_low"))) + "–" + esc(show(field(c, "conf_high"))));
        row.push_back(esc(show(c.contains("z") ? field(c, "z") : field(c, "statistic"))));
        row.push_back(esc(show_p(field(c, "p"))));
        t.rows.push_back(std::move(row));
    }
    return t.render();
}

std::string risk_tables(const std::string& name, const json& model) {
    const json& curves = field(model, "curves");
    if (!curves.is_array()) return "";
    std::string o;
    for (const auto& c : curves) {
        const json& time = field(c, "time");
        if (!time.is_array() || time.empty()) continue;
        const bool km = c.contains("survival");
        const char* value = km ? "survival" : "estimate";
        std::vector<std::pair<std::string, std::string>> cols = {{"time", "time"}, {"n_risk", "at risk"}, {"n_event", "events"},
                                                                 {"n_censor", "censored"}, {value, km ? "survival" : "cumulative incidence"},
                                                                 {"conf_low", "lower"}, {"conf_high", "upper"}};
        HtmlTable t;
        t.css_class = "num";
        std::string label = "stratum " + show(field(c, "stratum"));
        if (!field(c, "cause").is_null()) label += ", cause " + show(field(c, "cause"));
        t.caption = "Risk table of " + esc(name) + ": " + esc(label);
        for (const auto& [key, head] : cols)
            if (field(c, key).is_array()) t.head.push_back(esc(head));
        // Up to 8 released rows spread over follow-up (first, last and evenly between).
        const std::size_t n = time.size(), shown = std::min<std::size_t>(n, 8);
        std::size_t last = n;
        for (std::size_t k = 0; k < shown; ++k) {
            const std::size_t i = shown == 1 ? 0 : (k * (n - 1) + (shown - 1) / 2) / (shown - 1);
            if (i == last) continue;
            last = i;
            std::vector<std::string> row;
            for (const auto& [key, _] : cols) {
                const json& a = field(c, key);
                if (!a.is_array()) continue;
                row.push_back(i < a.size() ? esc(key.rfind("n_", 0) == 0 ? show_count(a[i]) : show(a[i])) : "–");
            }
            t.rows.push_back(std::move(row));
        }
        o += t.render();
    }
    return o;
}

std::string csv_table(const Released& r, const std::string& file, std::size_t max_rows) {
    const std::string* text = r.file(file);
    if (!text) return "";
    const auto rows = parse_csv(*text);
    if (rows.empty()) return "";
    HtmlTable t;
    t.caption = "<code>" + esc(file) + "</code>";
    t.css_class = "num";
    for (const auto& h : rows[0]) t.head.push_back(esc(h));
    for (std::size_t i = 1; i < rows.size() && i <= max_rows; ++i) {
        std::vector<std::string> row;
        for (const auto& cell : rows[i]) row.push_back(esc(cell));
        t.rows.push_back(std::move(row));
    }
    std::string o = t.render();
    if (rows.size() - 1 > max_rows) o += "<p class=\"muted\">The first rows only; the whole table is in <code>" + esc(file) + "</code>.</p>\n";
    return o;
}

std::string model_section(const Released& r, const std::string& name, const json& model) {
    const std::string kind = show(field(model, "kind"));
    const std::string id = "model-" + anchor(name);
    std::string o = "<section class=\"model\" id=\"" + id + "\"><h2>" + esc(name) + " <span class=\"badge\">" + esc(kind) + "</span></h2>\n";
    o += options_html(model);
    if (field(model, "suppressed") == true)
        o += "<p class=\"warn\">Withheld by disclosure control: " + esc(show(field(model, "reason"))) + "</p>\n";
    o += convergence_html(model);
    for (const auto& w : field(model, "warnings"))
        if (w.is_string()) o += "<p class=\"warn\">" + esc(w.get<std::string>()) + "</p>\n";
    o += fit_facts(model);
    o += tests_table(model);
    o += estimates_table(name, model);
    if (const std::string* svg = r.file(name + ".svg"))
        o += inline_svg(*svg, "plot-" + anchor(name), name + ": " + (kind == "km" ? "survival curves" : "cumulative incidence curves"),
                        plot_description(name, model));
    o += risk_tables(name, model);
    if (kind == "gwas") o += gwas_parts(r, name, model);
    if (!model.contains("coefficients") && !model.contains("curves") && kind != "gwas") o += csv_table(r, name + ".csv", 200);
    std::string links;
    for (const auto& file : r.model_files(name))
        links += (links.empty() ? "" : ", ") + std::string("<a href=\"") + esc(file) + "\">" + esc(file) + "</a>";
    if (!links.empty()) o += "<p class=\"files\">Released files: " + links + "</p>\n";
    return o + "</section>\n";
}

}  // namespace kohort::report
