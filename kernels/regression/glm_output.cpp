#include "kernels/regression/glm_output.hpp"

#include <cmath>
#include <cstdio>

namespace kohort::glm {
namespace {

// qnorm(0.975), the normal quantile of a two-sided 95% Wald interval.
constexpr double kZ975 = 1.959963984540054;

bool exp_meaningful(const Family& f) { return f.link == LinkKind::log || f.link == LinkKind::logit; }

}  // namespace

nlohmann::json glm_to_json(const GlmFit& fit, DisclosureLedger& disclosure, const FrameCellKeys& keys) {
    nlohmann::json j;
    j["kind"] = "glm";
    j["family"] = fit.family.family_name();
    j["link"] = fit.family.link_name();
    const auto n_rel = disclosure.release(fit.n, {"n", "", keys.rows});
    j["n"] = n_rel ? nlohmann::json(*n_rel) : nlohmann::json(nullptr);
    j["n_dropped_missing"] = disclosure.release_json(fit.n_dropped_missing, {"n_dropped_missing", "", keys.dropped});
    j["converged"] = fit.converged;
    j["boundary"] = fit.boundary;
    j["iterations"] = fit.iterations;
    j["deviance"] = json_number(fit.deviance);
    j["null_deviance"] = json_number(fit.null_deviance);
    // The degrees of freedom are n less a constant: released from the released n, so they give
    // back no more than n does (exact under `none`).
    auto df = [&](std::int64_t d, const char* field) -> nlohmann::json {
        if (disclosure.exact()) return d;
        if (!n_rel) {
            disclosure.withheld(field, "", rule::derived, "n is withheld and n follows from it");
            return nullptr;
        }
        const std::int64_t released = *n_rel - (fit.n - d);
        if (released != d) disclosure.coarsened(field, "", rule::derived, "computed from the released n");
        return released;
    };
    j["df_residual"] = df(fit.df_residual, "df_residual");
    j["df_null"] = df(fit.df_null, "df_null");
    // With an estimated dispersion, deviance / dispersion is the exact df_residual (and AIC holds
    // n): under a policy both are withheld, the dispersion stays.
    if (!disclosure.exact() && fit.statistic_is_t) {
        j["deviance"] = nullptr;
        j["aic"] = nullptr;
        disclosure.withheld("deviance", "", rule::derived, "deviance / dispersion gives the exact df_residual");
        disclosure.withheld("aic", "", rule::derived, "the gaussian AIC gives the exact n");
    }
    j["rank"] = fit.rank;
    j["aic"] = json_number(fit.aic);
    j["dispersion"] = json_number(fit.dispersion);
    j["statistic_type"] = fit.statistic_is_t ? "t" : "z";
    if (fit.robust_type.empty()) {
        j["robust"] = nullptr;
    } else {
        nlohmann::json r;
        r["type"] = fit.robust_type;
        r["cluster"] = fit.cluster_robust;
        if (fit.cluster_robust) r["clusters"] = disclosure.release_json_unkeyed(fit.n_clusters, {"robust.clusters", ""});
        j["robust"] = r;
    }
    nlohmann::json coefs = nlohmann::json::array();
    for (const auto& c : fit.coefficients) {
        nlohmann::json e;
        e["term"] = c.term;
        e["aliased"] = c.aliased;
        e["estimate"] = json_number(c.estimate);
        e["se"] = json_number(c.se);
        e["robust_se"] = json_number(c.robust_se);
        e["statistic"] = json_number(c.statistic);
        e["p"] = json_number(c.p);
        if (!fit.robust_type.empty()) {
            e["robust_statistic"] = json_number(c.robust_statistic);
            e["robust_p"] = json_number(c.robust_p);
        }
        if (exp_meaningful(fit.family)) {
            // Ratio (OR for logit, RR for log) and its Wald 95% interval, R's exp(confint.default(fit)),
            // on the robust SE when one was asked for (as summary(coxph) does for robust fits).
            const double se = fit.robust_type.empty() ? c.se : c.robust_se;
            e["exp_estimate"] = json_number(std::exp(c.estimate));
            e["conf_low"] = json_number(std::exp(c.estimate - kZ975 * se));
            e["conf_high"] = json_number(std::exp(c.estimate + kZ975 * se));
        }
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
        t.rows.push_back({c.term, format_number(c.estimate), format_number(c.se), format_number(c.robust_se), format_number(c.statistic), format_number(c.p),
                          c.aliased ? "TRUE" : "FALSE"});
    return t;
}

}  // namespace kohort::glm
