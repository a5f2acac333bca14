#include "kernels/regression/glm_output.hpp"

#include <cmath>
#include <cstdio>

namespace kohort::glm {
namespace {

nlohmann::json num(double v) {
    if (!std::isfinite(v)) return nullptr;
    return v;
}

std::string cell(double v) {
    if (std::isnan(v)) return "NA";
    if (std::isinf(v)) return v > 0 ? "Inf" : "-Inf";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}

nlohmann::json released(DisclosureLedger& d, std::int64_t count) {
    const auto r = d.release(count);
    if (!r) return nullptr;
    return *r;
}

bool exp_meaningful(const Family& f) { return f.link == LinkKind::log || f.link == LinkKind::logit; }

}  // namespace

nlohmann::json glm_to_json(const GlmFit& fit, DisclosureLedger& disclosure) {
    nlohmann::json j;
    j["kind"] = "glm";
    j["family"] = fit.family.family_name();
    j["link"] = fit.family.link_name();
    j["n"] = released(disclosure, fit.n);
    j["n_dropped_missing"] = released(disclosure, fit.n_dropped_missing);
    j["converged"] = fit.converged;
    j["boundary"] = fit.boundary;
    j["iterations"] = fit.iterations;
    j["deviance"] = num(fit.deviance);
    j["null_deviance"] = num(fit.null_deviance);
    j["df_residual"] = fit.df_residual;
    j["df_null"] = fit.df_null;
    j["rank"] = fit.rank;
    j["aic"] = num(fit.aic);
    j["dispersion"] = num(fit.dispersion);
    j["statistic_type"] = fit.statistic_is_t ? "t" : "z";
    if (fit.robust_type.empty()) {
        j["robust"] = nullptr;
    } else {
        nlohmann::json r;
        r["type"] = fit.robust_type;
        r["cluster"] = fit.cluster_robust;
        if (fit.cluster_robust) r["clusters"] = fit.n_clusters;
        j["robust"] = r;
    }
    nlohmann::json coefs = nlohmann::json::array();
    for (const auto& c : fit.coefficients) {
        nlohmann::json e;
        e["term"] = c.term;
        e["aliased"] = c.aliased;
        e["estimate"] = num(c.estimate);
        e["se"] = num(c.se);
        e["robust_se"] = num(c.robust_se);
        e["statistic"] = num(c.statistic);
        e["p"] = num(c.p);
        if (!fit.robust_type.empty()) {
            e["robust_statistic"] = num(c.robust_statistic);
            e["robust_p"] = num(c.robust_p);
        }
        if (exp_meaningful(fit.family)) e["exp_estimate"] = num(std::exp(c.estimate));
        coefs.push_back(e);
    }
    j["coefficients"] = coefs;
    j["warnings"] = fit.warnings;
    return j;
}

CsvTable glm_to_csv(const GlmFit& fit) {
    CsvTable t;
    t.header = {"term", "estimate", "se", "robust_se", "statistic", "p", "aliased"};
    for (const auto& c : fit.coefficients)
        t.rows.push_back({c.term, cell(c.estimate), cell(c.se), cell(c.robust_se), cell(c.statistic), cell(c.p),
                          c.aliased ? "TRUE" : "FALSE"});
    return t;
}

}  // namespace kohort::glm
