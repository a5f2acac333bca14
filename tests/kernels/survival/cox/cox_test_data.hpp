// In-memory model frames for the Cox tests: small hand-made data for closed-form checks and a
// seeded generator for merge and rank-invariance checks.
#pragma once
#include <Eigen/Dense>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "formula/model_frame.hpp"

namespace kohort::test {

struct CoxRow {
    double start, stop;
    int status;
    std::vector<double> x;
    double weight = 1, offset = 0;
    int stratum = 0;
    std::int64_t cluster = 0;
};

inline ModelFrame make_frame(const std::vector<CoxRow>& rows, int p, bool counting, int n_strata = 1,
                             bool cluster = false) {
    ModelFrame f;
    const auto n = static_cast<Eigen::Index>(rows.size());
    f.X.resize(n, p);
    f.stop.resize(n);
    f.start.resize(counting ? n : 0);
    f.status.resize(n);
    f.weights.resize(n);
    f.offset.resize(n);
    for (Eigen::Index i = 0; i < n; ++i) {
        const CoxRow& r = rows[static_cast<std::size_t>(i)];
        for (int j = 0; j < p; ++j) f.X(i, j) = r.x[static_cast<std::size_t>(j)];
        f.stop(i) = r.stop;
        if (counting) f.start(i) = r.start;
        f.status(i) = r.status;
        f.weights(i) = r.weight;
        f.offset(i) = r.offset;
        f.strata.push_back(r.stratum);
        if (cluster) f.cluster.push_back(r.cluster);
    }
    f.has_start = counting;
    f.has_cluster = cluster;
    for (int j = 0; j < p; ++j) f.terms.push_back("x" + std::to_string(j + 1));
    for (int s = 0; s < n_strata; ++s) f.strata_labels.push_back("s=" + std::to_string(s));
    f.n_total = n;
    return f;
}

// Synthetic data with heavy ties (integer times), strata, clusters of several rows, weights and
// optionally counting-process intervals. The same seed gives the same rows everywhere.
inline std::vector<CoxRow> synthetic_rows(int n, int p, unsigned seed, bool counting, int n_strata,
                                          bool weights, bool offset) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> z(0.0, 1.0);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    std::vector<CoxRow> rows;
    for (int i = 0; i < n; ++i) {
        CoxRow r;
        r.x.resize(static_cast<std::size_t>(p));
        double lp = 0;
        for (int j = 0; j < p; ++j) {
            r.x[static_cast<std::size_t>(j)] = (j % 3 == 2) ? (u(rng) < 0.4 ? 1.0 : 0.0) : z(rng) + 0.5 * j;
            lp += (0.3 - 0.15 * j) * r.x[static_cast<std::size_t>(j)];
        }
        const double t = -std::log(u(rng)) / (0.05 * std::exp(lp));
        const double c = 30 * u(rng);
        r.stop = std::ceil(std::min(t, c));  // integer days: many ties
        r.status = t <= c ? 1 : 0;
        r.start = 0;
        if (counting) {
            r.start = std::floor(u(rng) * 0.8 * r.stop);
            if (r.start >= r.stop) r.start = r.stop - 1;
        }
        r.stratum = static_cast<int>(u(rng) * n_strata);
        r.cluster = i / 3;  // three rows per cluster
        if (weights) r.weight = 1 + std::floor(3 * u(rng));
        if (offset) r.offset = 0.1 * z(rng);
        rows.push_back(r);
    }
    return rows;
}

}  // namespace kohort::test
