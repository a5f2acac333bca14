#include "kernels/genomics/gwas_options.hpp"

#include <cmath>

#include "core/error.hpp"

namespace kohort::gwas {

namespace {

double positive_number(const ModelSpec& spec, const std::string& key, double fallback) {
    const std::string text = spec.get(key);
    if (text.empty()) return fallback;
    std::size_t used = 0;
    double v = 0;
    try {
        v = std::stod(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != text.size() || !(v > 0) || !std::isfinite(v))
        throw UsageError(spec.where() + ": " + key + " = " + text + " (expected a positive number)");
    return v;
}

}  // namespace

GwasOptions parse_gwas_options(const ModelSpec& spec) {
    GwasOptions o;
    o.where = spec.where();
    o.table = spec.require("table");
    o.genotypes = spec.require("genotypes");
    o.formula = parse_formula(spec.require("formula"));
    const std::string family = spec.get("family");
    if (o.formula.response == Formula::Response::Surv2) {
        if (!family.empty() && family != "cox")
            throw UsageError(o.where + ": family = " + family + " with a Surv(time, status) outcome; omit family");
        o.family = Family::cox;
    } else if (o.formula.response == Formula::Response::Column) {
        if (family.empty() || family == "gaussian") o.family = Family::gaussian;
        else if (family == "binomial") o.family = Family::binomial;
        else throw UsageError(o.where + ": family = " + family + " (expected gaussian or binomial)");
    } else {
        throw UsageError(o.where + ": kind = gwas needs 'y ~ covariates' or 'Surv(time, status) ~ covariates' (found '" +
                         o.formula.text + "')");
    }
    if (!o.formula.strata.empty() || !o.formula.offsets.empty())
        throw UsageError(o.where + ": strata() and offset() are not available for kind = gwas");
    const std::string block = spec.get("block");
    if (!block.empty()) {
        const double b = positive_number(spec, "block", 0);
        if (b != std::floor(b)) throw UsageError(o.where + ": block = " + block + " (expected a whole number)");
        o.block_variants = static_cast<std::int64_t>(b);
    }
    o.vif = positive_number(spec, "vif", 50);
    o.refit_p = positive_number(spec, "refit_p", 1e-5);
    const std::string firth = spec.get("firth", "fallback");
    if (firth != "fallback" && firth != "no")
        throw UsageError(o.where + ": firth = " + firth + " (expected fallback or no)");
    o.firth_fallback = firth == "fallback";
    return o;
}

}  // namespace kohort::gwas
