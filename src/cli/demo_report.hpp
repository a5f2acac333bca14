// The demo's printed summary: the study's cohort, its curves at 5 and 10 years, and each model's
// estimates beside the truth planted under /synth in the store, with a verdict on whether every
// planted hazard ratio lies inside its 95% confidence interval.
#pragma once
#include <nlohmann/json.hpp>

#include <map>
#include <string>

namespace kohort::cli {

struct DemoCheck {
    int planted = 0;        // planted effects compared
    int inside = 0;         // of them, inside the 95% CI
    std::string text;       // the printed report
};

// `truth` is the store's /synth attributes (name -> value).
DemoCheck demo_check(const nlohmann::json& results, const std::map<std::string, double>& truth);

std::string demo_report(const std::string& results_json, const std::string& store_path);

}  // namespace kohort::cli
