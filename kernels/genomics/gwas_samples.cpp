#include "kernels/genomics/gwas_samples.hpp"

#include <algorithm>
#include <numeric>

#include "core/error.hpp"
#include "core/error_counts.hpp"

namespace kohort::gwas {

GwasSamples join_samples(const ModelFrame& frame, const std::vector<std::int64_t>& geno_pids, const Comm& comm,
                         const std::string& where) {
    const auto n_frame = static_cast<std::size_t>(frame.n_local());
    std::vector<std::size_t> order(n_frame);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return frame.cluster[a] < frame.cluster[b]; });
    std::int64_t duplicates = 0;
    for (std::size_t k = 1; k < order.size(); ++k) duplicates += frame.cluster[order[k]] == frame.cluster[order[k - 1]];
    duplicates = comm.allreduce(duplicates);
    if (duplicates > 0)
        throw UsageError(where + ": the phenotype table has " + error_count(duplicates) +
                         " repeated pid(s) among its complete rows; expected one row per person for kind = gwas");

    // Merge two pid-sorted lists; used rows follow the genotype order.
    std::vector<std::size_t> frame_row;
    GwasSamples s;
    std::size_t i = 0, j = 0;
    std::int64_t geno_only = 0;
    while (i < geno_pids.size()) {
        while (j < n_frame && frame.cluster[order[j]] < geno_pids[i]) ++j;
        if (j < n_frame && frame.cluster[order[j]] == geno_pids[i]) {
            s.geno_index.push_back(static_cast<std::int64_t>(i));
            frame_row.push_back(order[j]);
        } else {
            ++geno_only;
        }
        ++i;
    }
    const auto n = static_cast<Eigen::Index>(frame_row.size());
    s.C.resize(n, frame.X.cols());
    for (Eigen::Index r = 0; r < n; ++r) s.C.row(r) = frame.X.row(static_cast<Eigen::Index>(frame_row[r]));
    s.covariate_terms = frame.terms;
    if (frame.y.size() > 0) {
        s.y.resize(n);
        for (Eigen::Index r = 0; r < n; ++r) s.y[r] = frame.y[static_cast<Eigen::Index>(frame_row[r])];
    }
    if (frame.stop.size() > 0) {
        s.time.resize(n);
        s.status.resize(n);
        for (Eigen::Index r = 0; r < n; ++r) {
            s.time[r] = frame.stop[static_cast<Eigen::Index>(frame_row[r])];
            s.status[r] = frame.status[static_cast<Eigen::Index>(frame_row[r])];
        }
    }
    if (!frame.record_keys.empty()) {
        s.record_keys.reserve(frame_row.size());
        for (std::size_t r : frame_row) s.record_keys.push_back(frame.record_keys[r]);
    }
    std::vector<std::int64_t> counts = {static_cast<std::int64_t>(n), static_cast<std::int64_t>(n_frame) - n, geno_only};
    comm.allreduce(counts);
    s.n_total = counts[0];
    s.phenotyped_without_genotypes = counts[1];
    s.genotyped_without_phenotype = counts[2];
    return s;
}

}  // namespace kohort::gwas
