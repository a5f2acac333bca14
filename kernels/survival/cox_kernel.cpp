// kind = cox: reads the job section, builds the model frame, fits (cox_fit.hpp) and reports
// results.json models.NAME (contract section 5) and OUTPUT/NAME.csv, one row per coefficient.
#include <boost/math/distributions/chi_squared.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/error.hpp"
#include "formula/formula.hpp"
#include "formula/model_frame.hpp"
#include "kernels/model_checks.hpp"
#include "kernels/kernel.hpp"
#include "kernels/cell_keys.hpp"
#include "kernels/survival/cox_fit.hpp"

namespace kohort {
namespace {

constexpr double kZ975 = 1.959963984540054;  // qnorm(0.975)

double chisq_upper(double x, int df) {
    if (df <= 0 || !std::isfinite(x)) return std::numeric_limits<double>::quiet_NaN();
    if (x <= 0) return 1.0;
    return boost::math::cdf(boost::math::complement(boost::math::chi_squared(df), x));
}

// Declared options (kohort kinds cox). Defaults are coxph.control's.
SectionDecl cox_declaration() {
    SectionDecl d = model_declaration("cox", "Cox proportional hazards regression, as R's survival::coxph");
    d.add(formula_option("formula", "Surv(time, status) ~ terms, or Surv(start, stop, status) ~ terms")
              .form("a formula Surv(time, status) ~ terms or Surv(start, stop, status) ~ terms")
              .req());
    d.add(choice_option("ties", {"efron", "breslow"}, "how tied event times are handled").def("efron"));
    d.add(column_option("weights", "case weights (numeric column)"));
    d.add(column_option("cluster", "robust sandwich standard errors clustered on this column"));
    d.add(bool_option("robust", "robust (sandwich) standard errors; coxph turns them on with a cluster or non-integer weights")
              .note("as coxph"));
    d.add(integer_option("iter.max", 0, kIterationLimit, "most Newton-Raphson iterations").def("20"));
    d.add(real_option("eps", "convergence: relative change in the log-likelihood").above(0).def("1e-9"));
    d.add(choice_option("communication", {"time", "allreduce"},
                        "how ranks combine the risk-set sums: time (rows moved once to the rank owning their "
                        "event times; per pass O(p^2) bytes) or allreduce (every event time's sums, per pass; "
                        "kept for comparison)")
              .def("time"));
    return d;
}

CoxOptions read_options(const Options& spec) {
    CoxOptions o;
    o.ties = spec.choice("ties") == "breslow" ? CoxTies::breslow : CoxTies::efron;
    if (spec.has("robust")) o.robust = spec.flag("robust");
    o.iter_max = static_cast<int>(spec.integer("iter.max"));
    o.eps = spec.real("eps");
    o.communication = spec.choice("communication") == "allreduce" ? CoxCommunication::allreduce : CoxCommunication::by_time;
    return o;
}

nlohmann::json test_json(double statistic, int df) {
    return {{"statistic", json_number(statistic)}, {"df", df}, {"p", json_number(chisq_upper(statistic, df))}};
}

std::string join_terms(const std::vector<std::string>& terms, const std::vector<bool>& which) {
    std::string s;
    for (std::size_t j = 0; j < which.size(); ++j)
        if (which[j]) s += (s.empty() ? "" : ", ") + terms[j];
    return s;
}

ModelOutput run_cox(const ModelContext& ctx) {
    const Options& spec = ctx.spec;
    const CoxOptions opt = read_options(spec);
    const Formula formula = spec.formula("formula");
    if (formula.response != Formula::Response::Surv2 && formula.response != Formula::Response::Surv3)
        throw UsageError(spec.where() + ": formula '" + formula.text +
                         "' has no Surv() response; expected Surv(time, status) or Surv(start, stop, status)");

    FrameOptions fo;
    fo.allow_intercept = false;
    fo.weights_column = spec.get("weights");
    fo.cluster_column = spec.get("cluster");
    fo.source = spec.where();
    fo.summarise_columns = true;     // the set-up's means and constant columns (ModelFrame::x_summary)
    fo.constants_left_empty = true;  // no vector of ones or zeros to write and read per row
    // Rows move between ranks at set-up, and a rank may receive more than it had (distribute_by_time).
    fo.room_to_grow_x = ctx.comm.size() > 1 && opt.communication == CoxCommunication::by_time;
    ModelFrame frame = model_frame(ctx, formula, fo);
    check_model_frame(frame, ctx.disclosure, ctx.comm, spec.where());
    const std::vector<std::string> terms = frame.terms;
    const std::vector<std::string> strata_labels = frame.strata_labels;
    const std::int64_t n_dropped = frame.n_dropped_missing;
    // Cell keys (issue 16) of the rows, the dropped rows and the event rows, before the fit takes the frame.
    const FrameCellKeys keys = frame_cell_keys(ctx, frame.record_keys);
    const auto events_key = cell_key_if(ctx, frame.record_keys, [&](std::size_t i) { return frame.status[static_cast<Eigen::Index>(i)] != 0; });
    const bool had_cluster = frame.has_cluster;
    if (terms.empty())
        throw UsageError(spec.where() + ": formula '" + formula.text +
                         "' has no covariates; a Cox model needs at least one term on the right-hand side");

    const CoxFit fit = fit_cox(frame, static_cast<int>(strata_labels.size()), opt, ctx.comm, spec.where(),
                               formula.response_columns);
    if (ctx.log) {
        char buf[256];
        std::snprintf(buf, sizeof buf,
                      "cox %s: %s event time(s), %d iteration(s), set-up %.3f s (%.3f s moving rows), %d pass(es) in %.3f s "
                      "(%.4f s per pass), %zu bytes per pass in collectives (%s)",
                      spec.name.c_str(), ctx.disclosure.log_count(fit.bins).c_str(), fit.iterations, fit.setup_seconds, fit.move_seconds,
                      fit.evaluations, fit.evaluation_seconds,
                      fit.evaluations ? fit.evaluation_seconds / fit.evaluations : 0.0, fit.bytes_per_iteration,
                      opt.communication == CoxCommunication::by_time ? "rows distributed by event time"
                                                                     : "every event time allreduced");
        ctx.log(buf);
    }

    ModelOutput out;
    nlohmann::json& r = out.result;
    r["kind"] = "cox";
    out.csv.header = {"term", "estimate", "se", "robust_se", "z", "p", "exp_estimate", "conf_low", "conf_high"};

    // Disclosure control: the model is released only when both the number of rows and the number
    // of events are releasable counts; released counts are rounded as the policy says.
    if (ctx.disclosure.withhold_model(fit.n, fit.events, r, keys.rows, events_key)) return out;
    auto released = [&](std::int64_t count, const char* field, std::optional<cellkey::Key> key) {
        return ctx.disclosure.release_json(count, {field, "", key});
    };

    r["n"] = released(fit.n, "n", keys.rows);
    r["n_dropped_missing"] = released(n_dropped, "n_dropped_missing", keys.dropped);
    r["events"] = released(fit.events, "events", events_key);
    r["converged"] = fit.converged;
    r["iterations"] = fit.iterations;
    r["ties"] = opt.ties == CoxTies::efron ? "efron" : "breslow";
    r["loglik"] = {json_number(fit.loglik_null), json_number(fit.loglik)};
    r["robust"] = fit.robust;
    if (fit.robust) r["clusters"] = ctx.disclosure.release_json_unkeyed(fit.clusters, {"clusters", ""});
    if (strata_labels.size() > 1) r["strata"] = strata_labels;

    nlohmann::json coefs = nlohmann::json::array();
    for (int j = 0; j < fit.p; ++j) {
        const auto k = static_cast<std::size_t>(j);
        const double b = fit.beta(j);
        const double se = fit.redundant[k] ? std::numeric_limits<double>::quiet_NaN() : std::sqrt(fit.var(j, j));
        const double rse = (fit.robust_var && !fit.redundant[k]) ? std::sqrt((*fit.robust_var)(j, j))
                                                                   : std::numeric_limits<double>::quiet_NaN();
        const double used = fit.robust_var ? rse : se;  // summary.coxph: z, p and interval use the robust se
        const double z = b / used;
        const double pz = std::erfc(std::fabs(z) / std::sqrt(2.0));
        const double lo = std::exp(b - kZ975 * used), hi = std::exp(b + kZ975 * used);
        coefs.push_back({{"term", terms[k]},
                         {"estimate", json_number(b)},
                         {"se", json_number(se)},
                         {"robust_se", fit.robust_var ? json_number(rse) : nlohmann::json(nullptr)},
                         {"z", json_number(z)},
                         {"p", json_number(pz)},
                         {"exp_estimate", json_number(std::exp(b))},
                         {"conf_low", json_number(lo)},
                         {"conf_high", json_number(hi)}});
        out.csv.rows.push_back({terms[k], format_number(b), format_number(se),
                                fit.robust_var ? format_number(rse) : "NA", format_number(z), format_number(pz),
                                format_number(std::exp(b)), format_number(lo), format_number(hi)});
    }
    r["coefficients"] = coefs;

    nlohmann::json tests;
    tests["likelihood_ratio"] = test_json(2 * (fit.loglik - fit.loglik_null), fit.df);
    tests["wald"] = test_json(fit.wald_test, fit.df);
    tests["score"] = test_json(fit.score_test, fit.df);
    if (fit.robust_score_test) tests["robust_score"] = test_json(*fit.robust_score_test, fit.df);
    r["tests"] = tests;

    // Everything R would warn about, and what kohort decided, stays visible in the results.
    nlohmann::json warnings = nlohmann::json::array();
    if (!fit.converged) {
        warnings.push_back(opt.iter_max == 0 ? "iter.max = 0: no Newton iterations were run"
                                             : "Ran out of iterations and did not converge");
        if (fit.ran_out_maybe_infinite) warnings.push_back("one or more coefficients may be infinite");
    }
    bool any_infinite = false;
    for (bool b : fit.maybe_infinite) any_infinite |= b;
    if (any_infinite)
        warnings.push_back("Loglik converged before variable(s) " + join_terms(terms, fit.maybe_infinite) +
                           "; coefficient may be infinite");
    bool any_constant = false;
    for (bool b : fit.constant) any_constant |= b;
    if (any_constant)
        warnings.push_back("constant covariate(s) " + join_terms(terms, fit.constant) +
                           ": no estimate (reported as null, R gives NA)");
    std::vector<bool> collinear(fit.redundant.size());
    bool any_collinear = false;
    for (std::size_t j = 0; j < collinear.size(); ++j) {
        collinear[j] = fit.redundant[j] && !fit.constant[j];
        any_collinear |= collinear[j];
    }
    if (any_collinear)
        warnings.push_back("X matrix deemed to be singular; variable(s) " + join_terms(terms, collinear) +
                           ": no estimate (reported as null, R gives NA)");
    for (int s : fit.strata_without_events)
        warnings.push_back("stratum " + strata_labels[static_cast<std::size_t>(s)] +
                           " has no events; its rows do not contribute to the partial likelihood");
    if (opt.robust && !*opt.robust && had_cluster)
        warnings.push_back("cluster specified with robust = false: cluster ignored");
    r["warnings"] = warnings;
    return out;
}

}  // namespace

KOHORT_REGISTER_MODEL(cox_declaration(), run_cox);

}  // namespace kohort
