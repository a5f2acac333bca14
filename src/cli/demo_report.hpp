// The demo's printed summary: each model's headline estimates beside the truth planted under
// /synth in the store.
#pragma once
#include <string>

namespace kohort::cli {
std::string demo_report(const std::string& results_json, const std::string& store_path);
}
