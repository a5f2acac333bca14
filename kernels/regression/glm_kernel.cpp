// kind = glm: the job-file entry point. Reads the [model.NAME] options, builds the distributed
// model frame, fits (glm_fit.hpp) and formats the results.
//
// Options: formula (required), family = gaussian | binomial | poisson (default gaussian, as R),
// link (binomial: logit | probit | cloglog), weights, cluster, robust = HC0 | HC1,
// epsilon (default 1e-8), maxit (default 25).
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

#include "core/error.hpp"
#include "formula/formula.hpp"
#include "formula/model_frame.hpp"
#include "kernels/model_checks.hpp"
#include "kernels/kernel.hpp"
#include "kernels/regression/glm_fit.hpp"
#include "kernels/regression/glm_output.hpp"

namespace kohort {
namespace {

// CPU time of this process (all threads): on a shared machine it separates our work from waiting.
double process_cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

double parse_positive(const ModelSpec& spec, const std::string& key, double fallback) {
    const std::string text = spec.get(key);
    if (text.empty()) return fallback;
    std::size_t used = 0;
    double v = 0;
    try {
        v = std::stod(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used != text.size() || !(v > 0))
        throw UsageError(spec.where() + ": " + key + " = " + text + " (expected a positive number)");
    return v;
}

std::string robust_option(const ModelSpec& spec) {
    std::string r = spec.get("robust");
    std::transform(r.begin(), r.end(), r.begin(), [](unsigned char c) { return std::toupper(c); });
    if (r.empty() || r == "NONE" || r == "FALSE") return "";
    if (r == "HC0" || r == "HC1") return r;
    throw UsageError(spec.where() + ": robust = " + spec.get("robust") + " (expected HC0, HC1 or none)");
}

ModelOutput run_glm(const ModelContext& ctx) {
    const ModelSpec& spec = ctx.spec;
    const Formula formula = parse_formula(spec.require("formula"));
    if (formula.response != Formula::Response::Column)
        throw UsageError(spec.where() + ": kind = glm needs a formula 'y ~ terms' with one response column (found '" +
                         formula.text + "')");
    if (!formula.strata.empty())
        throw UsageError(spec.where() + ": strata() is not available for kind = glm (found in '" + formula.text +
                         "'; use factor() instead)");

    glm::GlmOptions opt;
    opt.where = spec.where();
    opt.family = glm::Family::make(spec.get("family", "gaussian"), spec.get("link"), spec.where());
    opt.epsilon = parse_positive(spec, "epsilon", 1e-8);
    opt.maxit = static_cast<int>(parse_positive(spec, "maxit", 25));
    opt.robust = robust_option(spec);
    opt.has_offset = !formula.offsets.empty();

    FrameOptions fo;
    fo.allow_intercept = true;
    fo.weights_column = spec.get("weights");
    fo.cluster_column = spec.get("cluster");
    fo.source = spec.where();

    // The frame refuses a column with no value on any rank, naming it (one pass, one allreduce).
    const ModelFrame frame = model_frame(ctx, formula, fo);
    check_model_frame(frame, ctx.disclosure, ctx.comm, spec.where());
    if (ctx.log)
        ctx.log("glm " + spec.name + ": " + opt.family.family_name() + "(" + opt.family.link_name() + "), " +
                std::to_string(frame.X.cols()) + " parameters, " + ctx.disclosure.log_count(frame.n_total) + " rows");
    const auto t0 = std::chrono::steady_clock::now();
    const double cpu0 = process_cpu_seconds();
    const glm::GlmFit fit = glm::fit_glm(frame, opt, ctx.comm);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double cpu = process_cpu_seconds() - cpu0;
    if (ctx.log) {
        ctx.log("glm " + spec.name + ": " + (fit.converged ? "converged" : "did not converge") + " after " +
                std::to_string(fit.iterations) + " iterations, deviance " + format_number(fit.deviance));
        char timing[200];
        std::snprintf(timing, sizeof timing,
                      "glm %s: fit %.3f s (%.3f s CPU on this rank), %d passes over the rows, %.4f s per pass",
                      spec.name.c_str(), seconds, cpu, fit.data_passes, seconds / fit.data_passes);
        ctx.log(timing);
        for (const auto& w : fit.warnings) ctx.log("glm " + spec.name + ": warning: " + w);
    }

    ModelOutput out;
    out.result = glm::glm_to_json(fit, ctx.disclosure);
    out.csv = glm::glm_to_csv(fit);
    return out;
}

}  // namespace

KOHORT_REGISTER_MODEL("glm", run_glm);

}  // namespace kohort
