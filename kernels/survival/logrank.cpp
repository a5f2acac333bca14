#include "kernels/survival/logrank.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <boost/math/distributions/chi_squared.hpp>
#include <limits>

namespace kohort::survival {
namespace {

// Suffix sums of exits and entries on one curve's grid, for at-risk look-ups at other times.
struct RiskLookup {
    std::vector<double> time, exits_from, entries_from;  // sums over grid times >= time[j]
    std::vector<double> events;                          // events (any cause) at time[j]

    RiskLookup(const StratumCounts& sc, int nc) : time(sc.time) {
        const std::size_t m = sc.size();
        exits_from.assign(m + 1, 0.0);
        entries_from.assign(m + 1, 0.0);
        events.assign(m, 0.0);
        for (std::size_t j = m; j-- > 0;) {
            double out = 0.0;
            for (int c = 0; c < nc; ++c) out += sc.w[j * nc + c];
            for (int c = 1; c < nc; ++c) events[j] += sc.w[j * nc + c];
            exits_from[j] = exits_from[j + 1] + out;
            entries_from[j] = entries_from[j + 1] + sc.enter_w[j];
        }
    }
    double at_risk(double t) const {
        const std::size_t j = static_cast<std::size_t>(std::lower_bound(time.begin(), time.end(), t) - time.begin());
        return exits_from[j] - entries_from[j];
    }
    double events_at(double t) const {
        auto it = std::lower_bound(time.begin(), time.end(), t);
        if (it == time.end() || *it != t) return 0.0;
        return events[static_cast<std::size_t>(it - time.begin())];
    }
};

}  // namespace

double chisq_upper(double x, int df) {
    if (df <= 0) return (x > 0) ? 0.0 : 1.0;
    if (!(x >= 0)) return std::numeric_limits<double>::quiet_NaN();
    if (x == 0) return 1.0;
    return boost::math::cdf(boost::math::complement(boost::math::chi_squared(df), x));
}

double number_at_risk(const StratumCounts& sc, int nc, double t) { return RiskLookup(sc, nc).at_risk(t); }

ChiSquareTest logrank_test(const EventCounts& counts, const std::vector<int>& group_of, int n_groups,
                           const std::vector<int>& stratum_of, int n_strata, std::vector<double>* observed,
                           std::vector<double>* expected) {
    const int nc = counts.n_categories();
    Eigen::VectorXd O = Eigen::VectorXd::Zero(n_groups), E = Eigen::VectorXd::Zero(n_groups);
    Eigen::MatrixXd V = Eigen::MatrixXd::Zero(n_groups, n_groups);
    for (int s = 0; s < n_strata; ++s) {
        std::vector<int> curves;
        std::vector<RiskLookup> lookups;
        std::vector<double> times;
        for (int c = 0; c < counts.n_strata(); ++c) {
            if (stratum_of[c] != s) continue;
            curves.push_back(c);
            lookups.emplace_back(counts.stratum(c), nc);
            const RiskLookup& lk = lookups.back();
            for (std::size_t j = 0; j < lk.time.size(); ++j)
                if (lk.events[j] > 0) times.push_back(lk.time[j]);
        }
        std::sort(times.begin(), times.end());
        times.erase(std::unique(times.begin(), times.end()), times.end());
        Eigen::VectorXd nrisk(n_groups), dg(n_groups);
        for (double t : times) {
            nrisk.setZero();
            dg.setZero();
            for (std::size_t i = 0; i < curves.size(); ++i) {
                const int g = group_of[curves[i]];
                nrisk[g] += lookups[i].at_risk(t);
                dg[g] += lookups[i].events_at(t);
            }
            const double n = nrisk.sum(), d = dg.sum();
            if (d <= 0 || n <= 0) continue;
            O += dg;
            E += d * nrisk / n;
            if (n > 1) {
                // survdiff2.c: var[j][k] += d (n - d) / (n - 1) * (n_j / n) (delta_jk - n_k / n)
                const double kk = d * (n - d) / (n - 1);
                Eigen::VectorXd p = nrisk / n;
                V += kk * (Eigen::MatrixXd(p.asDiagonal()) - p * p.transpose());
            }
        }
    }
    if (observed) observed->assign(O.data(), O.data() + n_groups);
    if (expected) expected->assign(E.data(), E.data() + n_groups);
    std::vector<int> keep;
    for (int g = 0; g < n_groups; ++g)
        if (E[g] > 0) keep.push_back(g);
    ChiSquareTest out;
    out.df = static_cast<int>(keep.size()) - 1;
    if (keep.size() >= 2) {
        const int k = static_cast<int>(keep.size()) - 1;
        Eigen::VectorXd u(k);
        Eigen::MatrixXd v(k, k);
        for (int a = 0; a < k; ++a) {
            u[a] = O[keep[a + 1]] - E[keep[a + 1]];
            for (int b = 0; b < k; ++b) v(a, b) = V(keep[a + 1], keep[b + 1]);
        }
        out.statistic = u.dot(v.fullPivLu().solve(u));
    }
    out.p = chisq_upper(out.statistic, out.df);
    return out;
}

}  // namespace kohort::survival
