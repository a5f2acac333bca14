// kind = gwas (contract section 8): tests every variant of a genotype table against an outcome
// from a person table, with covariates. Each rank streams its own samples' calls block by block
// (GenotypeReader), forms per-variant sufficient statistics, and the ranks combine them in one
// allreduce per block; every rank then holds every variant's result and rank 0 writes them.
#include <chrono>
#include <string>

#include "core/error.hpp"
#include "core/error_counts.hpp"
#include "kernels/cell_keys.hpp"
#include "kernels/genomics/genotype_block.hpp"
#include "kernels/genomics/gwas_cox.hpp"
#include "kernels/genomics/gwas_linear.hpp"
#include "kernels/genomics/gwas_logistic.hpp"
#include "kernels/genomics/gwas_options.hpp"
#include "kernels/genomics/gwas_output.hpp"
#include "kernels/genomics/gwas_release.hpp"
#include "kernels/genomics/gwas_plots.hpp"
#include "kernels/genomics/gwas_samples.hpp"
#include "kernels/kernel.hpp"
#include "store/genotype_store.hpp"

namespace kohort {
namespace {

using namespace gwas;

ModelFrame phenotype_frame(const ModelContext& ctx, const GwasOptions& o) {
    if (o.formula.cluster)
        throw UsageError(o.where + ": cluster() is not available for kind = gwas");
    FrameOptions fo;
    fo.allow_intercept = o.family != Family::cox;
    fo.cluster_column = "pid";  // carries each row's pid through the frame for the join
    fo.source = o.where;
    return model_frame(ctx, o.formula, fo);
}

void check_binary_outcome(const GwasSamples& s, const Comm& comm, const std::string& where) {
    std::int64_t bad = 0;
    for (Eigen::Index i = 0; i < s.y.size(); ++i) bad += (s.y[i] != 0 && s.y[i] != 1) ? 1 : 0;
    bad = comm.allreduce(bad);
    if (bad > 0)
        throw UsageError(where + ": family = binomial needs a 0/1 or bool outcome; " + error_count(bad) +
                         " row(s) hold other values");
}

// Gaussian: one allreduce per block of the linear model's sufficient statistics (gwas_linear.hpp).
std::vector<VariantResult> linear_results(const GenotypeReader& reader, const GwasSamples& samples,
                                          const GwasOptions& o, std::int64_t block, const Comm& comm) {
    const LinearGwas linear(samples, comm, o.vif, o.where);
    std::vector<VariantResult> results;
    results.reserve(static_cast<std::size_t>(reader.variants()));
    // Decoded in chunks shared among the rank's threads; combined across ranks once per block.
    for_each_block(reader, block, [&](const GenotypeReader::Block& raw, std::int64_t, std::int64_t nv) {
        Eigen::MatrixXd stats = linear.new_block(nv);
        for_each_decoded_chunk(raw, nv, samples.geno_index,
                               [&](const DecodedBlock& decoded, Eigen::Index d0) { linear.accumulate(decoded, stats, d0); });
        linear.finish(stats, results);
    });
    return results;
}

// Binomial: lockstep Newton / Firth rounds over each block, one allreduce per round (gwas_logistic.hpp).
std::vector<VariantResult> logistic_results(const ModelContext& ctx, const GwasOptions& o, const GenotypeReader& reader,
                                            const GwasSamples& samples, std::int64_t block) {
    std::vector<VariantResult> results;
    results.reserve(static_cast<std::size_t>(reader.variants()));
    LogisticGwas logistic(samples, ctx.comm, o.vif, o.firth_fallback, o.where);
    if (logistic.covariate_separates() && ctx.log)
        ctx.log("gwas " + ctx.spec.name + ": a covariate separates cases from controls; every variant is fitted by Firth "
                "(as plink2 does)");
    for_each_block(reader, block, [&](const GenotypeReader::Block& raw, std::int64_t, std::int64_t nv) {
        logistic.test_block(raw, nv, results);
    });
    if (ctx.log)
        ctx.log("gwas " + ctx.spec.name + ": " + std::to_string(logistic.firth_count()) + " variant(s) fitted by Firth, " +
                std::to_string(logistic.rounds()) + " allreduce rounds");
    return results;
}

ModelOutput run_gwas(const ModelContext& ctx) {
    const GwasOptions o = parse_gwas_options(ctx.spec);
    if (!ctx.store) throw InternalError(o.where + ": the gwas kernel needs the job's store");
    if (!is_genotype_table(*ctx.store, o.genotypes))
        throw UsageError(o.where + ": genotypes = " + o.genotypes +
                         " is not a genotype table of the store (make one with kohort import --plink)");
    const GenotypeReader reader(*ctx.store, o.genotypes, ctx.comm);
    const ModelFrame frame = phenotype_frame(ctx, o);
    const GwasSamples samples = join_samples(frame, reader.local_pids(), ctx.comm, o.where);
    if (samples.n_total == 0)
        throw UsageError(o.where + ": no person has both a complete row in '" + o.table + "' and genotypes in '" +
                         o.genotypes + "'; check that both were keyed with the same project key");
    if (o.family == Family::binomial) check_binary_outcome(samples, ctx.comm, o.where);
    if (ctx.log)
        ctx.log("gwas " + ctx.spec.name + ": " + ctx.disclosure.log_count(samples.n_total) + " samples, " +
                std::to_string(reader.variants()) + " variants, " + std::to_string(samples.C.cols()) + " covariate columns");

    nlohmann::json cox_info;  // Surv: event times, refits, reduction size
    const auto t0 = std::chrono::steady_clock::now();
    const std::int64_t block = o.block_variants > 0 ? o.block_variants : reader.block_variants();
    std::vector<VariantResult> results;
    if (o.family == Family::cox) {
        CoxGwasRun cox = run_cox_gwas(reader, samples, o, block, ctx.comm, ctx.log);
        results = std::move(cox.results);
        cox_info = {{"event_times", cox.event_times}, {"tied_event_times", cox.tied_event_times},
                    {"refits", cox.refits}, {"refit_p", o.refit_p}, {"bytes_reduced_per_variant", cox.bytes_per_variant}};
    } else if (o.family == Family::binomial) {
        results = logistic_results(ctx, o, reader, samples, block);
    } else {
        results = linear_results(reader, samples, o, block, ctx.comm);
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    std::vector<bool> released = disclosure_gate(results, ctx.disclosure.policy(), samples.n_total);
    // OBS_CT and A1_FREQ through the release layer; under cell key perturbation the counts carry
    // the cell keys of their persons (gwas_release.hpp).
    const std::optional<cellkey::Key> samples_key = cell_key_of(ctx, samples.record_keys);
    if (!ctx.disclosure.exact())
        release_variant_counts(ctx, reader, samples, o.family, samples_key, block, results, released);
    const double lambda = lambda_gc(results, released);
    ModelOutput out;
    out.result = gwas_json(o.family, reader.variant_list(), results, released, lambda);
    ctx.disclosure.note_suppressed(out.result["variants_withheld"].get<std::int64_t>());
    out.result["genotypes"] = o.genotypes;
    out.result["n"] = ctx.disclosure.release_json(samples.n_total, {"n", "", samples_key});
    out.result["covariates"] = samples.covariate_terms;
    out.result["test_seconds"] = seconds;
    if (!cox_info.is_null()) {
        // The numbers of distinct and tied event times move when one person's event is added or
        // removed; under perturbation they are not released (the reduction size follows from them).
        if (samples_key) {
            for (const char* f : {"event_times", "tied_event_times", "bytes_reduced_per_variant"}) {
                cox_info[f] = nullptr;
                ctx.disclosure.withheld(std::string("cox.") + f, "", rule::derived,
                                        "changes with one person's event time; not released under perturbation");
            }
        }
        out.result["cox"] = cox_info;
    }
    if (ctx.log) {
        char line[200];
        std::snprintf(line, sizeof line, "gwas %s: %lld variants in %.3f s (%.0f variants/s), lambda GC %.4f",
                      ctx.spec.name.c_str(), static_cast<long long>(results.size()), seconds,
                      static_cast<double>(results.size()) / std::max(seconds, 1e-9), lambda);
        ctx.log(line);
    }
    if (ctx.comm.is_root()) {
        out.files[".tsv"] = gwas_tsv(o.family, reader.variant_list(), results, released);
        out.files["_manhattan.svg"] =
            manhattan_svg("GWAS " + ctx.spec.name + ": " + o.formula.text, reader.variant_list(), results, released);
        out.files["_qq.svg"] = qq_svg("GWAS " + ctx.spec.name + ": QQ plot", results, released, lambda);
    }
    // OUTPUT/NAME.csv: the top variants, as in results.json.
    out.csv.header = {"id", "chrom", "pos", "a1", "beta", "se", "statistic", "p"};
    for (const auto& t : out.result["top"])
        out.csv.rows.push_back({t["id"].get<std::string>(), t["chrom"].get<std::string>(),
                                std::to_string(t["pos"].get<std::int64_t>()), t["a1"].get<std::string>(),
                                t["beta"].is_null() ? "NA" : format_number(t["beta"].get<double>()),
                                t["se"].is_null() ? "NA" : format_number(t["se"].get<double>()),
                                t["statistic"].is_null() ? "NA" : format_number(t["statistic"].get<double>()),
                                format_number(t["p"].get<double>())});
    return out;
}

}  // namespace

KOHORT_REGISTER_MODEL(gwas_declaration(), run_gwas);

}  // namespace kohort
