#include "kernels/regression/glm_robust.hpp"

#include <map>

namespace kohort::glm {
namespace {

// splitmix64 finaliser: spreads consecutive person ids evenly over owner ranks.
std::uint64_t mix64(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

Eigen::MatrixXd outer_sum(const std::map<std::int64_t, Eigen::VectorXd>& sums, Eigen::Index p) {
    Eigen::MatrixXd m = Eigen::MatrixXd::Zero(p, p);
    for (const auto& [id, s] : sums) m.selfadjointView<Eigen::Lower>().rankUpdate(s);
    return m.selfadjointView<Eigen::Lower>();
}

}  // namespace

Eigen::MatrixXd cluster_meat_serial(const std::unordered_map<std::int64_t, Eigen::VectorXd>& scores, Eigen::Index p) {
    const std::map<std::int64_t, Eigen::VectorXd> ordered(scores.begin(), scores.end());
    return outer_sum(ordered, p);
}

Eigen::MatrixXd cluster_meat(const std::unordered_map<std::int64_t, Eigen::VectorXd>& local_scores, Eigen::Index p,
                             const Comm& comm, double& n_clusters_owned) {
    const int size = comm.size();
    std::vector<std::vector<std::int64_t>> ids(static_cast<std::size_t>(size));
    std::vector<std::vector<double>> vals(static_cast<std::size_t>(size));
    // Send in id order so what arrives is independent of the hash map's iteration order.
    const std::map<std::int64_t, Eigen::VectorXd> ordered(local_scores.begin(), local_scores.end());
    for (const auto& [id, s] : ordered) {
        const auto dest = static_cast<std::size_t>(mix64(static_cast<std::uint64_t>(id)) % std::uint64_t(size));
        ids[dest].push_back(id);
        vals[dest].insert(vals[dest].end(), s.data(), s.data() + p);
    }
    const std::vector<std::int64_t> rid = comm.alltoallv(ids);
    const std::vector<double> rval = comm.alltoallv(vals);
    std::map<std::int64_t, Eigen::VectorXd> owned;
    for (std::size_t k = 0; k < rid.size(); ++k) {
        const Eigen::Map<const Eigen::VectorXd> s(rval.data() + k * static_cast<std::size_t>(p), p);
        auto it = owned.find(rid[k]);
        if (it == owned.end()) owned.emplace(rid[k], s);
        else it->second += s;
    }
    n_clusters_owned = static_cast<double>(owned.size());
    return outer_sum(owned, p);
}

Eigen::MatrixXd sandwich_covariance(const Eigen::MatrixXd& unscaled, const Eigen::MatrixXd& meat,
                                    const std::vector<int>& kept, const RobustScaling& s) {
    const auto r = static_cast<Eigen::Index>(kept.size());
    const Eigen::MatrixXd full = meat.selfadjointView<Eigen::Lower>();
    Eigen::MatrixXd mk(r, r);
    for (Eigen::Index a = 0; a < r; ++a)
        for (Eigen::Index b = 0; b < r; ++b) mk(a, b) = full(kept[std::size_t(a)], kept[std::size_t(b)]);
    double scale = (s.n_positive_weight / s.n_rows) * (s.n_positive_weight / s.n_rows);
    if (s.cluster) {
        scale *= s.n_clusters / (s.n_clusters - 1.0);
        if (s.hc1) scale *= (s.n_rows - 1.0) / (s.n_rows - s.rank);
    } else if (s.hc1) {
        scale *= s.n_rows / (s.n_rows - s.rank);
    }
    Eigen::MatrixXd v = scale * (unscaled * mk * unscaled);
    return 0.5 * (v + v.transpose());
}

}  // namespace kohort::glm
