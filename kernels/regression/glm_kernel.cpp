// kind = glm: the job-file entry point. Reads the [model.NAME] options, builds the distributed
// model frame, fits (glm_fit.hpp) and formats the results.
//
// Options: glm_declaration() below (kohort kinds glm).
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

// Declared options (kohort kinds glm). Defaults are R's glm.control.
SectionDecl glm_declaration() {
    SectionDecl d = model_declaration("glm", "generalised linear model, as R's glm");
    d.add(formula_option("formula", "y ~ terms, with factor(), a:b, offset(), - 1 as in R")
              .form("a formula y ~ terms")
              .req());
    d.add(choice_option("family", {"gaussian", "binomial", "poisson"}, "the error distribution").def("gaussian"));
    d.add(choice_option("link", {"identity", "logit", "probit", "cloglog", "log"}, "the link function")
              .note("the family's canonical link"));
    d.add(column_option("weights", "prior weights (numeric column)"));
    d.add(column_option("cluster", "robust standard errors clustered on this column"));
    d.add(choice_option("robust", {"none", "HC0", "HC1", "false"}, "sandwich standard errors").def("none"));
    d.add(real_option("epsilon", "convergence: relative change in the deviance").above(0).def("1e-8"));
    d.add(integer_option("maxit", 1, kIterationLimit, "most IRLS iterations").def("25"));
    return d;
}

ModelOutput run_glm(const ModelContext& ctx) {
    const Options& spec = ctx.spec;
    const Formula formula = spec.formula("formula");
    if (formula.response != Formula::Response::Column)
        throw UsageError(spec.where() + ": kind = glm needs a formula 'y ~ terms' with one response column (found '" +
                         formula.text + "')");
    if (!formula.strata.empty())
        throw UsageError(spec.where() + ": strata() is not available for kind = glm (found in '" + formula.text +
                         "'; use factor() instead)");

    glm::GlmOptions opt;
    opt.where = spec.where();
    opt.family = glm::Family::make(spec.choice("family"), spec.has("link") ? spec.choice("link") : "", spec.where());
    opt.epsilon = spec.real("epsilon");
    opt.maxit = static_cast<int>(spec.integer("maxit"));
    const std::string robust = spec.choice("robust");
    opt.robust = robust == "HC0" || robust == "HC1" ? robust : "";
    opt.has_offset = !formula.offsets.empty();

    FrameOptions fo;
    fo.allow_intercept = true;
    fo.weights_column = spec.get("weights");
    fo.cluster_column = spec.get("cluster");
    fo.source = spec.where();

    // The frame refuses a column with no value on any rank, naming it (one pass, one allreduce).
    const ModelFrame frame = model_frame(ctx, formula, fo);
    check_model_frame(frame, ctx.disclosure, ctx.comm, spec.where());
    const FrameCellKeys keys = frame_cell_keys(ctx, frame.record_keys);
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
    out.result = glm::glm_to_json(fit, ctx.disclosure, keys);
    out.csv = glm::glm_to_csv(fit);
    return out;
}

}  // namespace

KOHORT_REGISTER_MODEL(glm_declaration(), run_glm);

}  // namespace kohort
