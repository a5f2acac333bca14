#include "cli/demo_report.hpp"

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

#include "store/store.hpp"

namespace kohort::cli {

std::string demo_report(const std::string& results_json, const std::string& store_path) {
    std::ifstream in(results_json);
    const nlohmann::json r = nlohmann::json::parse(in);
    std::ostringstream out;
    out << "\nkohort demo: results in " << results_json << "\n";
    out << "job '" << r["job"]["name"].get<std::string>() << "' on " << r["job"]["ranks"] << " rank(s), "
        << r["job"]["wall_seconds"] << " s\n";
    for (const auto& [name, m] : r["models"].items()) {
        out << "\n[" << name << "] " << m["kind"].get<std::string>() << "\n";
        if (m.contains("coefficients")) {
            for (const auto& c : m["coefficients"]) {
                out << "  " << c["term"].get<std::string>() << ": estimate " << c["estimate"];
                if (c.contains("exp_estimate")) out << ", hazard ratio " << c["exp_estimate"];
                if (c.contains("conf_low")) out << " (95% CI " << c["conf_low"] << " to " << c["conf_high"] << ")";
                out << "\n";
            }
        } else if (m.contains("cells")) {
            out << "  " << m["cells"].size() << " cells, n = " << m["n"] << "\n";
        } else if (m.contains("columns")) {
            for (const auto& c : m["columns"]) out << "  " << c["column"].get<std::string>() << ": n = " << c["n"] << ", missing = " << c["missing"] << "\n";
        }
    }
    const Store store = Store::open(store_path, nullptr);
    out << "\nPlanted truth (/synth in the store):\n";
    for (const auto& [k, v] : store.attributes("/synth"))
        if (k.rfind("hr_", 0) == 0 || k.find("_hr_") != std::string::npos) out << "  " << k << " = " << v << "\n";
    return out.str();
}

}  // namespace kohort::cli
