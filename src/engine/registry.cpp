#include <cmath>
#include <cstdio>

#include "core/error.hpp"
#include "engine/kernel.hpp"

namespace kohort {

SectionDecl model_declaration(const std::string& kind, const std::string& summary) {
    SectionDecl d(kind, "[model.NAME] kind = " + kind, summary);
    d.add(string_option("kind", "the model kind: " + kind).req());
    d.add(string_option("table", "the table the model reads: a store table or a study section's table").req());
    return d;
}

Options validate_model_options(const std::string& kind, const std::string& name,
                               std::map<std::string, std::string> keys, const std::string& file) {
    const ModelKind* k = ModelRegistry::instance().find(kind);
    if (!k) throw UsageError(file + " [model." + name + "]: unknown kind '" + kind + "'");
    keys.emplace("kind", kind);
    std::map<std::string, OptionValue> values;
    for (auto& [key, text] : keys) values[key] = OptionValue{text, 0};
    return Options::validate(k->declaration, file, "model." + name, values);
}

ModelRegistry& ModelRegistry::instance() {
    static ModelRegistry registry;
    return registry;
}

// Every model's results carry its job-file section (formula, family, ties, ...) as "options": what
// was fitted is part of what a job releases, so report.html (issue 15) and other readers of
// results.json can show it. Options are settings, never data values.
void ModelRegistry::add(SectionDecl declaration, ModelRunner runner) {
    const std::string kind = declaration.name;
    ModelRunner with_options = [run = std::move(runner)](const ModelContext& ctx) {
        ModelOutput out = run(ctx);
        if (!out.result.contains("options")) {
            nlohmann::json options = nlohmann::json::object();
            for (const auto& [key, value] : ctx.spec.values()) options[key] = value.text;
            out.result["options"] = options;
        }
        return out;
    };
    kinds_.put(kind, ModelKind{std::move(declaration), std::move(with_options)});
}

SectionRegistry& SectionRegistry::instance() {
    static SectionRegistry registry;
    return registry;
}

void SectionRegistry::add(SectionDecl declaration) {
    const std::string name = declaration.name;
    sections_.put(name, std::move(declaration));
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

nlohmann::json json_numbers(const std::vector<double>& v) {
    nlohmann::json a = nlohmann::json::array();
    for (double x : v) a.push_back(json_number(x));
    return a;
}

}  // namespace kohort
