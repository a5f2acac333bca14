// kind = finegray: Fine-Gray subdistribution hazards (cmprsk::crr). Reads the job section, builds
// the model frame (status 0 = censored, 1..K = causes), fits (finegray_fit.hpp) and reports
// results.json models.NAME and OUTPUT/NAME.csv with the same coefficient fields as kind = cox.
//
// [model.fg1]
// kind    = finegray
// table   = mgus2
// formula = Surv(etime, event) ~ age + factor(sex)
// cause   = 1          ; the cause of interest (crr's failcode), default 1
#include <boost/math/distributions/chi_squared.hpp>
#include <cmath>
#include <cstdlib>
#include <string>

#include "core/error.hpp"
#include "core/error_counts.hpp"
#include "formula/formula.hpp"
#include "formula/model_frame.hpp"
#include "kernels/model_checks.hpp"
#include "kernels/kernel.hpp"
#include "kernels/cell_keys.hpp"
#include "kernels/survival/finegray_fit.hpp"
#include "kernels/survival/finegray_kernel.hpp"

namespace kohort::survival {
namespace {

constexpr double kZ975 = 1.959963984540054;  // qnorm(0.975)

// Declared options (kohort kinds finegray). Defaults are cmprsk::crr's.
SectionDecl finegray_declaration() {
    SectionDecl d = model_declaration("finegray", "Fine-Gray subdistribution hazards, as R's cmprsk::crr");
    d.add(formula_option("formula", "Surv(time, status) ~ terms; status 0 = censored, 1..K = causes")
              .form("a formula Surv(time, status) ~ terms")
              .req());
    d.add(integer_option("cause", 1, kIterationLimit, "the cause of interest (crr's failcode)").def("1").alias("failcode"));
    d.add(integer_option("maxiter", 0, kIterationLimit, "most Newton-Raphson iterations").def("10"));
    d.add(real_option("gtol", "convergence: largest score component").above(0).def("1e-6"));
    d.refuse("weights", "cmprsk::crr has no case weights");
    d.refuse("cluster", "its standard errors are already crr's sandwich");
    return d;
}

FineGrayOptions read_options(const Options& spec) {
    FineGrayOptions o;
    o.maxiter = static_cast<int>(spec.integer("maxiter"));
    o.gtol = spec.real("gtol");
    return o;
}

struct LoadedRows {
    FineGrayRows rows;
    std::vector<std::string> terms;
    std::int64_t n_dropped = 0;
    // Cell keys (issue 16): rows, dropped rows, and rows per category (censored, cause, competing).
    FrameCellKeys keys;
    std::optional<cellkey::Key> category_key[3];
};

LoadedRows load_rows(const ModelContext& ctx, int cause) {
    const Options& spec = ctx.spec;
    const std::string where = spec.where();
    const Formula formula = spec.formula("formula");
    if (formula.response != Formula::Response::Surv2)
        throw UsageError(where + ": formula '" + formula.text +
                         "' needs a Surv(time, status) response for kind = finegray (crr has no counting-process form)");
    if (!formula.strata.empty())
        throw UsageError(where + ": strata() is not supported by kind = finegray (cmprsk::crr has no strata); "
                                 "remove it or add the variable as a covariate");
    if (!formula.offsets.empty()) throw UsageError(where + ": offset() is not supported by kind = finegray");
    if (formula.cluster)
        throw UsageError(where + ": cluster is not supported by kind = finegray; its se is already crr's sandwich");

    FrameOptions opt;
    opt.allow_intercept = false;
    opt.source = where;
    opt.competing_risks = true;
    ModelFrame frame = model_frame(ctx, formula, opt);
    check_model_frame(frame, ctx.disclosure, ctx.comm, where);
    if (frame.terms.empty())
        throw UsageError(where + ": formula '" + formula.text +
                         "' has no covariates; a Fine-Gray model needs at least one term on the right-hand side");

    const Eigen::Index n = frame.n_local();
    std::int64_t bad_time = 0, bad_status = 0, of_cause = 0, max_status = 0;
    for (Eigen::Index i = 0; i < n; ++i) {
        if (!std::isfinite(frame.stop[i]) || frame.stop[i] < 0) ++bad_time;
        if (frame.status[i] < 0) ++bad_status;
        if (frame.status[i] == cause) ++of_cause;
        max_status = std::max<std::int64_t>(max_status, frame.status[i]);
    }
    std::vector<std::int64_t> flags{bad_time, bad_status, of_cause};
    ctx.comm.allreduce(flags);
    max_status = ctx.comm.allreduce(max_status, ReduceOp::max);
    const std::string& status_col = formula.response_columns.back();
    if (flags[0] > 0)
        throw UsageError(where + ": " + error_count(flags[0]) +
                         " row(s) have a negative or non-finite time; expected times >= 0");
    if (flags[1] > 0)
        throw UsageError(where + ": " + error_count(flags[1]) + " row(s) have a negative status in column '" +
                         status_col + "'; expected 0 (censored) or a cause 1..K");
    if (cause > max_status)
        throw UsageError(where + ": cause = " + std::to_string(cause) + " is not present in status column '" +
                         status_col + "'" +
                         (max_status > 0 ? ", whose causes run from 1 to " + std::to_string(max_status)
                                         : std::string(", which has no events (all rows censored)")) +
                         "; expected one of the causes in the data");
    if (flags[2] == 0)
        throw UsageError(where + ": no events of cause " + std::to_string(cause) + " in status column '" +
                         status_col + "' among the " + error_count(frame.n_total) +
                         " row(s) used; expected at least one");

    LoadedRows out;
    out.terms = frame.terms;
    out.n_dropped = frame.n_dropped_missing;
    out.keys = frame_cell_keys(ctx, frame.record_keys);
    out.rows.X = std::move(frame.X);
    out.rows.time.assign(frame.stop.data(), frame.stop.data() + n);
    out.rows.category.resize(static_cast<std::size_t>(n));
    for (Eigen::Index i = 0; i < n; ++i) {
        const int s = frame.status[i];
        out.rows.category[static_cast<std::size_t>(i)] = static_cast<std::int8_t>(s == 0 ? 0 : (s == cause ? 1 : 2));
    }
    for (int c = 0; c < 3; ++c)
        out.category_key[c] = cell_key_if(ctx, frame.record_keys, [&](std::size_t i) { return out.rows.category[i] == c; });
    return out;
}

double chisq_upper(double x, int df) {
    if (df <= 0 || !std::isfinite(x)) return std::numeric_limits<double>::quiet_NaN();
    if (x <= 0) return 1.0;
    return boost::math::cdf(boost::math::complement(boost::math::chi_squared(df), x));
}

ModelOutput run_finegray(const ModelContext& ctx) {
    const Options& spec = ctx.spec;
    const int cause = static_cast<int>(spec.integer("cause"));
    const FineGrayOptions opt = read_options(spec);
    LoadedRows loaded = load_rows(ctx, cause);
    const FineGrayFit fit = fit_finegray(loaded.rows, opt, ctx.comm, spec.where(), loaded.terms);
    if (ctx.log)
        ctx.log("finegray " + spec.name + ": cause " + std::to_string(cause) + ", " + ctx.disclosure.log_count(fit.bins) +
                " failure time(s), " + std::to_string(fit.iterations) + " iteration(s), " +
                std::to_string(fit.bytes_per_iteration) + " bytes allreduced per iteration");

    ModelOutput out;
    nlohmann::json& r = out.result;
    r["kind"] = "finegray";
    r["cause"] = cause;
    out.csv.header = {"term", "estimate", "se", "naive_se", "z", "p", "exp_estimate", "conf_low", "conf_high"};

    const auto* ck = loaded.category_key;
    if (ctx.disclosure.withhold_model(fit.n, fit.events, r, loaded.keys.rows, ck[1])) return out;
    auto released = [&](std::int64_t count, const char* field, std::optional<cellkey::Key> key) {
        return ctx.disclosure.release_json(count, {field, "", key});
    };
    r["n"] = released(fit.n, "n", loaded.keys.rows);
    r["n_dropped_missing"] = released(loaded.n_dropped, "n_dropped_missing", loaded.keys.dropped);
    r["events"] = released(fit.events, "events", ck[1]);
    r["competing_events"] = released(fit.competing_events, "competing_events", ck[2]);
    r["censored"] = released(fit.censored, "censored", ck[0]);
    r["converged"] = fit.converged;
    r["iterations"] = fit.iterations;
    r["loglik"] = {json_number(fit.loglik_null), json_number(fit.loglik)};
    r["variance"] = "crr";  // sandwich with the censoring-distribution term (cmprsk crrvv)

    nlohmann::json coefs = nlohmann::json::array();
    for (int j = 0; j < fit.p; ++j) {
        const auto k = static_cast<std::size_t>(j);
        const double b = fit.beta(j);
        const double se = std::sqrt(fit.var(j, j));
        const double naive = std::sqrt(fit.invinf(j, j));
        const double z = b / se;
        const double pz = std::erfc(std::fabs(z) / std::sqrt(2.0));
        const double lo = std::exp(b - kZ975 * se), hi = std::exp(b + kZ975 * se);
        coefs.push_back({{"term", loaded.terms[k]},
                         {"estimate", json_number(b)},
                         {"se", json_number(se)},
                         {"naive_se", json_number(naive)},
                         {"z", json_number(z)},
                         {"p", json_number(pz)},
                         {"exp_estimate", json_number(std::exp(b))},
                         {"conf_low", json_number(lo)},
                         {"conf_high", json_number(hi)}});
        out.csv.rows.push_back({loaded.terms[k], format_number(b), format_number(se), format_number(naive),
                                format_number(z), format_number(pz), format_number(std::exp(b)),
                                format_number(lo), format_number(hi)});
    }
    r["coefficients"] = coefs;
    // summary.crr's "Pseudo Log-likelihood ratio test".
    const double lr = 2 * (fit.loglik - fit.loglik_null);
    r["tests"] = {{"pseudo_likelihood_ratio",
                   {{"statistic", json_number(lr)}, {"df", fit.p}, {"p", json_number(chisq_upper(lr, fit.p))}}}};
    nlohmann::json warnings = nlohmann::json::array();
    if (!fit.converged)
        warnings.push_back(opt.maxiter == 0 ? "maxiter = 0: no Newton iterations were run"
                                            : "did not converge within maxiter = " + std::to_string(opt.maxiter) +
                                                  " iterations (crr's convergence = FALSE)");
    r["warnings"] = warnings;
    return out;
}

}  // namespace

// Exposed for tests: the same runner the registry uses.
ModelOutput finegray_model(const ModelContext& ctx) { return run_finegray(ctx); }

KOHORT_REGISTER_MODEL(finegray_declaration(), run_finegray);

}  // namespace kohort::survival
