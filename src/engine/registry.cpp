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

void ModelRegistry::add(SectionDecl declaration, ModelRunner runner) {
    const std::string kind = declaration.name;
    kinds_.put(kind, ModelKind{std::move(declaration), std::move(runner)});
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

}  // namespace kohort
