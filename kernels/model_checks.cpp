#include "kernels/model_checks.hpp"

#include <map>

#include "core/error.hpp"

namespace kohort {

namespace {

// Collective. Rows per cluster id over all ranks: each rank counts its rows per id and sends the
// counts to the id's owner rank (id modulo the ranks), which adds them up; true on every rank when
// some cluster holds 1 .. k-1 rows. Communication is one count per (rank, cluster) pair.
bool has_small_cluster(const std::vector<std::int64_t>& cluster, const DisclosurePolicy& policy, const Comm& comm) {
    std::map<std::int64_t, std::int64_t> local;
    for (const std::int64_t id : cluster) ++local[id];
    const auto size = static_cast<std::uint64_t>(comm.size());
    std::vector<std::vector<std::int64_t>> send(static_cast<std::size_t>(size));
    for (const auto& [id, rows] : local) {
        auto& to = send[static_cast<std::size_t>(static_cast<std::uint64_t>(id) % size)];
        to.push_back(id);
        to.push_back(rows);
    }
    const std::vector<std::int64_t> got = comm.alltoallv(send);
    std::map<std::int64_t, std::int64_t> owned;
    for (std::size_t k = 0; k + 1 < got.size(); k += 2) owned[got[k]] += got[k + 1];
    std::int64_t small = 0;
    for (const auto& [id, rows] : owned) small += policy.suppresses(rows) ? 1 : 0;
    return comm.allreduce(small) > 0;
}

}  // namespace

void check_model_frame(const ModelFrame& frame, const ReleaseLayer& release, const Comm& comm, const std::string& where) {
    if (release.exact()) return;
    const DisclosurePolicy& policy = release.policy();
    const auto p = static_cast<double>(frame.X.cols());
    if (frame.n_total > 0 && p / static_cast<double>(frame.n_total) > kNfilterGlm)
        throw GovernanceError(where + ": refused under disclosure policy '" + policy.name + "': the model's " +
                              std::to_string(frame.X.cols()) + " parameters are more than " +
                              std::to_string(static_cast<int>(kNfilterGlm * 100)) +
                              "% of its rows (DataSHIELD's nfilter.glm); use fewer terms or more rows");

    // Rows per indicator column (a factor level "name=level", not an interaction) and per factor.
    std::vector<std::int64_t> ones(static_cast<std::size_t>(frame.X.cols()), 0);
    std::vector<bool> indicator(ones.size(), false);
    for (std::size_t j = 0; j < ones.size(); ++j) {
        const std::string& t = frame.terms[j];
        indicator[j] = t.find('=') != std::string::npos && t.find(':') == std::string::npos;
        if (!indicator[j]) continue;
        for (Eigen::Index i = 0; i < frame.X.rows(); ++i) ones[j] += frame.X(i, static_cast<Eigen::Index>(j)) != 0.0;
    }
    std::vector<std::int64_t> per_stratum(frame.strata_labels.size(), 0);
    for (auto s : frame.strata)
        if (s >= 0 && static_cast<std::size_t>(s) < per_stratum.size()) ++per_stratum[static_cast<std::size_t>(s)];
    comm.allreduce(ones);
    comm.allreduce(per_stratum);

    std::map<std::string, std::int64_t> level_rows;  // per factor: rows in its non-reference levels
    for (std::size_t j = 0; j < ones.size(); ++j) {
        if (!indicator[j]) continue;
        const std::string factor = frame.terms[j].substr(0, frame.terms[j].find('='));
        if (policy.suppresses(ones[j]))
            throw GovernanceError(where + ": refused under disclosure policy '" + policy.name + "': a level of factor '" +
                                  factor + "' is held by fewer than " + std::to_string(policy.min_count) +
                                  " persons; merge it with another level or drop it");
        level_rows[factor] += ones[j];
    }
    for (const auto& [factor, rows] : level_rows)
        if (policy.suppresses(frame.n_total - rows))
            throw GovernanceError(where + ": refused under disclosure policy '" + policy.name +
                                  "': the reference level of factor '" + factor + "' is held by fewer than " +
                                  std::to_string(policy.min_count) + " persons; choose another reference with ref=");
    for (auto n : per_stratum)
        if (policy.suppresses(n))
            throw GovernanceError(where + ": refused under disclosure policy '" + policy.name + "': a stratum is held by fewer than " +
                                  std::to_string(policy.min_count) + " persons; merge strata or drop strata()");

    // Clusters other than the persons themselves (cluster = pid has one person per cluster by
    // design, and no per-cluster value is released): a cluster of 1 .. k-1 rows refuses the model.
    if (frame.has_cluster && frame.cluster_column != "pid" && has_small_cluster(frame.cluster, policy, comm))
        throw GovernanceError(where + ": refused under disclosure policy '" + policy.name + "': a cluster of '" +
                              frame.cluster_column + "' is held by fewer than " + std::to_string(policy.min_count) +
                              " persons; cluster on a coarser unit or merge small clusters");
}

}  // namespace kohort
