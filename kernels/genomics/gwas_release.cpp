#include "kernels/genomics/gwas_release.hpp"

#include <cmath>

#include "kernels/genomics/genotype_block.hpp"

namespace kohort::gwas {

std::vector<cellkey::Key> called_cell_keys(const GenotypeReader& reader, const GwasSamples& samples,
                                           cellkey::Key samples_key, std::int64_t block, const Comm& comm) {
    const auto nv_total = static_cast<std::size_t>(reader.variants());
    const std::int64_t n = static_cast<std::int64_t>(samples.geno_index.size());
    std::vector<cellkey::Key> missing(nv_total, 0);
    for_each_block(reader, block, [&](const GenotypeReader::Block& raw, std::int64_t v0, std::int64_t nv) {
        // Each variant's sum is made by one thread: integer sums modulo 2^64 are exact in any
        // order, so any thread count gives the same keys.
#pragma omp parallel for schedule(static)
        for (std::int64_t v = 0; v < nv; ++v) {
            cellkey::Key s = 0;
            for (std::int64_t r = 0; r < n; ++r)
                if (raw.code(v, samples.geno_index[static_cast<std::size_t>(r)]) == geno::kMissing)
                    s += samples.record_keys[static_cast<std::size_t>(r)];
            missing[static_cast<std::size_t>(v0 + v)] = s;
        }
    });
    cellkey::allreduce(comm, missing);
    std::vector<cellkey::Key> called(nv_total);
    for (std::size_t v = 0; v < nv_total; ++v) called[v] = samples_key - missing[v];
    return called;
}

std::int64_t release_variant_counts(const ModelContext& ctx, const GenotypeReader& reader, const GwasSamples& samples,
                                    Family family, std::optional<cellkey::Key> samples_key, std::int64_t block,
                                    std::vector<VariantResult>& results, std::vector<bool>& released) {
    std::vector<std::optional<cellkey::Key>> keys(results.size(), samples_key);
    if (samples_key && family != Family::cox) {
        const std::vector<cellkey::Key> called = called_cell_keys(reader, samples, *samples_key, block, ctx.comm);
        for (std::size_t v = 0; v < called.size(); ++v) keys[v] = called[v];
    }
    std::int64_t withheld = 0;
    for (std::size_t v = 0; v < results.size(); ++v) {
        if (!released[v]) continue;
        VariantResult& r = results[v];
        const std::optional<std::int64_t> obs = ctx.disclosure.peek(r.obs, keys[v]);
        if (!obs) {
            released[v] = false;
            ++withheld;
            continue;
        }
        r.obs = *obs;
        if (!std::isnan(r.a1_freq)) r.a1_freq = std::round(r.a1_freq * 1e4) / 1e4;
    }
    if (samples_key)
        ctx.disclosure.coarsened("OBS_CT", "", rule::cell_key, "per variant, with the cell key of its samples with a call");
    else
        ctx.disclosure.coarsened("OBS_CT", "", rule::rounding, "per variant, rounded as every count");
    ctx.disclosure.coarsened("A1_FREQ", "", rule::rounding,
                             "4 decimal places: at full precision its denominator gives OBS_CT back");
    return withheld;
}

}  // namespace kohort::gwas
