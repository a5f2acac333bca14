#include "kernels/model_checks.hpp"

#include <map>

#include "core/error.hpp"

namespace kohort {

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
}

}  // namespace kohort
