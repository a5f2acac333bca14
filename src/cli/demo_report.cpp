#include "cli/demo_report.hpp"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

#include "store/store.hpp"

namespace kohort::cli {

namespace {

// The planted value (a /synth attribute OUTCOME_hr_EFFECT, docs/synthetic.md) that `term` of model
// `model` estimates, or "" when it estimates none. The Cox models and the Poisson rate model
// estimate cause-specific hazard ratios, which is what the generator plants; Fine-Gray's
// subdistribution hazard ratios are a different estimand and have no planted value.
std::string truth_attribute(const std::string& model, const std::string& term) {
    // The outcome whose planted hazards a model estimates (death: death before MI).
    static const std::map<std::string, std::string> outcome = {
        {"cox_mi", "mi"}, {"cox_death", "death"}, {"poisson_mi", "mi"}};
    // The planted effect a term estimates (age: per year of age; sex=M: male vs female).
    static const std::map<std::string, std::string> effect = {
        {"statin", "statin"}, {"diabetes", "diabetes"}, {"age", "age_per_year"}, {"sex=M", "male"}};
    const auto o = outcome.find(model);
    const auto e = effect.find(term);
    return o != outcome.end() && e != effect.end() ? o->second + "_hr_" + e->second : std::string();
}

double num(const nlohmann::json& j) { return j.is_number() ? j.get<double>() : std::nan(""); }

std::string fmt(const char* f, double x) {
    char buf[64];
    std::snprintf(buf, sizeof buf, f, x);
    return buf;
}

// Curve value at time t (step function): the last point at or before t.
double at_time(const nlohmann::json& curve, const char* field, double t) {
    if (!curve.contains("time") || !curve.contains(field)) return std::nan("");
    const auto& times = curve["time"];
    const auto& vals = curve[field];
    double v = std::string(field) == "survival" ? 1.0 : 0.0;
    for (std::size_t i = 0; i < times.size() && i < vals.size(); ++i) {
        if (num(times[i]) > t) break;
        if (vals[i].is_number()) v = vals[i].get<double>();
    }
    return v;
}

}  // namespace

DemoCheck demo_check(const nlohmann::json& r, const std::map<std::string, double>& truth) {
    DemoCheck check;
    std::ostringstream out;
    const auto& models = r.contains("models") ? r["models"] : nlohmann::json::object();

    if (r.contains("derived_tables") && r["derived_tables"].contains("study")) {
        const auto& s = r["derived_tables"]["study"];
        out << "\nCohort 'study' (statin use at 2010-01-01, MI with death competing):\n";
        for (const auto& f : s.value("flow", nlohmann::json::array()))
            out << "  " << f["persons"].dump() << "\t" << f["step"].get<std::string>() << "\n";
        out << "  MI " << s.value("events", nlohmann::json()).dump() << ", death before MI "
            << s.value("competing_events", nlohmann::json()).dump() << ", censored "
            << s.value("censored", nlohmann::json()).dump() << "; " << fmt("%.0f", num(s.value("person_time", nlohmann::json())))
            << " person-years; " << s.value("register_rows_scanned", 0) << " register rows linked in "
            << fmt("%.2f", num(s.value("seconds", nlohmann::json()))) << " s\n";
        for (const auto& w : s.value("warnings", nlohmann::json::array())) out << "  warning: " << w.get<std::string>() << "\n";
    }

    for (const char* name : {"km_statin", "cif_statin"}) {
        if (!models.contains(name)) continue;
        const auto& m = models[name];
        const bool km = m["kind"] == "km";
        out << "\n[" << name << "] " << (km ? "Kaplan-Meier: MI-free survival" : "cumulative incidence (Aalen-Johansen)")
            << " at 5 and 10 years (plot: " << name << ".svg)\n";
        for (const auto& c : m.value("curves", nlohmann::json::array())) {
            std::string label = c.value("stratum", std::string("all"));
            if (c.contains("cause")) label += c["cause"] == 1 ? ", MI" : ", death before MI";
            const char* field = km ? "survival" : "estimate";
            out << "  " << label << ": " << fmt("%.4f", at_time(c, field, 5)) << ", " << fmt("%.4f", at_time(c, field, 10)) << "\n";
        }
        if (m.contains("logrank")) out << "  log-rank p = " << fmt("%.3g", num(m["logrank"]["p"])) << "\n";
        if (m.contains("gray_test") && m["gray_test"].is_object() && m["gray_test"].contains("p"))
            out << "  Gray's test p = " << m["gray_test"]["p"].dump() << "\n";
    }

    for (const char* name : {"cox_mi", "cox_death", "poisson_mi", "finegray_mi"}) {
        if (!models.contains(name)) continue;
        const auto& m = models[name];
        const bool glm = m["kind"] == "glm";
        const bool fg = m["kind"] == "finegray";
        out << "\n[" << name << "] " << m["kind"].get<std::string>()
            << (glm ? " poisson: rate ratios" : fg ? ": subdistribution hazard ratios (no planted value)" : ": hazard ratios")
            << ", n = " << m.value("n", nlohmann::json()).dump() << "\n";
        out << "  term        estimate   95% CI              planted   inside\n";
        for (const auto& c : m.value("coefficients", nlohmann::json::array())) {
            const std::string term = c["term"].get<std::string>();
            if (term == "(Intercept)" || term.rfind("period=", 0) == 0) continue;
            const double est = num(c["estimate"]), se = num(c["se"]);
            double lo = std::exp(est - 1.959963984540054 * se), hi = std::exp(est + 1.959963984540054 * se);
            if (c.contains("conf_low") && c["conf_low"].is_number()) lo = num(c["conf_low"]), hi = num(c["conf_high"]);
            out << "  " << term << std::string(term.size() < 12 ? 12 - term.size() : 1, ' ') << fmt("%-10.4f", std::exp(est))
                << " " << fmt("%.4f", lo) << " to " << fmt("%-9.4f", hi);
            const std::string attribute = truth_attribute(name, term);
            if (!attribute.empty() && truth.count(attribute)) {
                const double t = truth.at(attribute);
                const bool in = lo <= t && t <= hi;
                ++check.planted;
                check.inside += in;
                out << " " << fmt("%-9.4f", t) << " " << (in ? "yes" : "NO") << "   (" << attribute << ")";
            }
            out << "\n";
        }
    }
    out << "\n";
    if (check.planted == 0)
        out << "No planted effect could be compared (are the models in the results?)\n";
    else
        out << check.inside << " of " << check.planted << " planted hazard ratios lie inside their 95% confidence intervals"
            << (check.inside == check.planted ? "." : "; at small --persons a few misses are expected by chance (5% each).")
            << "\n";
    check.text = out.str();
    return check;
}

std::string demo_report(const std::string& results_json, const std::string& store_path) {
    std::ifstream in(results_json);
    const nlohmann::json r = nlohmann::json::parse(in);
    const Store store = Store::open(store_path, nullptr);
    const Attributes truth = store.attributes("/synth");
    std::ostringstream out;
    out << "\nkohort demo: job '" << r["job"]["name"].get<std::string>() << "' on " << r["job"]["ranks"] << " rank(s) in "
        << fmt("%.1f", num(r["job"]["wall_seconds"])) << " s; " << fmt("%.0f", truth.count("persons") ? truth.at("persons") : 0)
        << " synthetic persons (seed " << fmt("%.0f", truth.count("seed") ? truth.at("seed") : 0) << ")\n";
    out << demo_check(r, std::map<std::string, double>(truth.begin(), truth.end())).text;
    const std::string folder = results_json.substr(0, results_json.rfind('/'));
    out << "Results, CSV tables and plots: " << folder << "/\n";
    out << "One page with all of it (open in a browser): " << folder << "/report.html\n";
    return out.str();
}

}  // namespace kohort::cli
