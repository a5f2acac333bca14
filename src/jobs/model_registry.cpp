#include <cmath>
#include <cstdio>

#include "core/error.hpp"
#include "kernels/kernel.hpp"

namespace kohort {

std::string ModelSpec::get(const std::string& key, const std::string& fallback) const {
    auto it = options.find(key);
    return it == options.end() ? fallback : it->second;
}

std::string ModelSpec::require(const std::string& key) const {
    auto it = options.find(key);
    if (it == options.end() || it->second.empty())
        throw UsageError(where() + ": missing required key '" + key + "'");
    return it->second;
}

std::string ModelSpec::where() const { return job_file + " [model." + name + "]"; }

ModelRegistry& ModelRegistry::instance() {
    static ModelRegistry registry;
    return registry;
}

// Every model's results carry its job-file section (formula, family, ties, ...) as "options": what
// was fitted is part of what a job releases, so report.html (issue 15) and other readers of
// results.json can show it. Options are settings, never data values.
void ModelRegistry::add(const std::string& kind, ModelRunner runner) {
    runners_[kind] = [run = std::move(runner)](const ModelContext& ctx) {
        ModelOutput out = run(ctx);
        if (!out.result.contains("options")) out.result["options"] = ctx.spec.options;
        return out;
    };
}

const ModelRunner* ModelRegistry::find(const std::string& kind) const {
    auto it = runners_.find(kind);
    return it == runners_.end() ? nullptr : &it->second;
}

std::vector<std::string> ModelRegistry::kinds() const {
    std::vector<std::string> out;
    for (const auto& [k, _] : runners_) out.push_back(k);
    return out;
}

std::string format_number(double v) {
    if (std::isnan(v)) return "NA";
    if (std::isinf(v)) return v > 0 ? "Inf" : "-Inf";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}

nlohmann::json json_number(double v) {
    if (!std::isfinite(v)) return nullptr;
    return v;
}

}  // namespace kohort
