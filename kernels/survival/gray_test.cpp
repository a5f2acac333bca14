#include "kernels/survival/gray_test.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>

namespace kohort::survival {
namespace {

// Score and variance contributions of one stratum: a transcription of cmprsk's Fortran routine
// crst (Gray 1988, Ann. Statist. 16:1141), driven by per-time counts instead of sorted rows.
// d(0, g): censored, d(1, g): failed from the cause, d(2, g): failed from another cause.
void gray_stratum(const std::vector<std::vector<double>>& times_of_group,
                  const std::vector<std::vector<double>>& d0, const std::vector<std::vector<double>>& d1,
                  const std::vector<std::vector<double>>& d2, Eigen::VectorXd& s_out, Eigen::MatrixXd& v_out) {
    const int ng = static_cast<int>(times_of_group.size());
    const int ng1 = ng - 1;
    std::vector<double> times;
    for (const auto& t : times_of_group) times.insert(times.end(), t.begin(), t.end());
    std::sort(times.begin(), times.end());
    times.erase(std::unique(times.begin(), times.end()), times.end());

    std::vector<double> rs(ng, 0.0);
    for (int g = 0; g < ng; ++g)
        for (std::size_t j = 0; j < times_of_group[g].size(); ++j) rs[g] += d0[g][j] + d1[g][j] + d2[g][j];
    std::vector<double> f1m(ng, 0.0), f1(ng, 0.0), skmm(ng, 1.0), skm(ng, 1.0), v3(ng, 0.0);
    Eigen::MatrixXd v2 = Eigen::MatrixXd::Zero(ng1, ng), c = Eigen::MatrixXd::Zero(ng, ng), a(ng, ng);
    Eigen::VectorXd s = Eigen::VectorXd::Zero(ng1);
    Eigen::MatrixXd v = Eigen::MatrixXd::Zero(ng1, ng1);
    std::vector<std::size_t> pos(ng, 0);
    std::vector<double> dc(ng), de(ng), doth(ng);
    double fm = 0.0, f = 0.0;
    const double fb = 1.0;  // (1 - fm)^rho with rho = 0
    for (double t : times) {
        double nd1 = 0.0, nd2 = 0.0;
        for (int g = 0; g < ng; ++g) {
            dc[g] = de[g] = doth[g] = 0.0;
            const auto& tg = times_of_group[g];
            if (pos[g] < tg.size() && tg[pos[g]] == t) {
                dc[g] = d0[g][pos[g]];
                de[g] = d1[g][pos[g]];
                doth[g] = d2[g][pos[g]];
                ++pos[g];
            }
            nd1 += de[g];
            nd2 += doth[g];
        }
        if (nd1 > 0 || nd2 > 0) {
            double tr = 0.0, tq = 0.0;
            for (int g = 0; g < ng; ++g) {
                if (rs[g] <= 0) continue;
                const double td = de[g] + doth[g];
                skm[g] = skmm[g] * (rs[g] - td) / rs[g];
                f1[g] = f1m[g] + skmm[g] * de[g] / rs[g];
                tr += rs[g] / skmm[g];
                tq += rs[g] * (1 - f1m[g]) / skmm[g];
            }
            f = fm + nd1 / tr;
            for (int i = 0; i < ng; ++i) {
                for (int j = i; j < ng; ++j) a(i, j) = 0.0;
                if (rs[i] <= 0) continue;
                const double t1 = rs[i] / skmm[i];
                a(i, i) = fb * t1 * (1 - t1 / tr);
                c(i, i) += a(i, i) * nd1 / (tr * (1 - fm));
                for (int j = i + 1; j < ng; ++j) {
                    if (rs[j] <= 0) continue;
                    a(i, j) = -fb * t1 * rs[j] / (skmm[j] * tr);
                    c(i, j) += a(i, j) * nd1 / (tr * (1 - fm));
                }
            }
            for (int i = 1; i < ng; ++i)
                for (int j = 0; j < i; ++j) {
                    a(i, j) = a(j, i);
                    c(i, j) = c(j, i);
                }
            for (int i = 0; i < ng1; ++i)
                if (rs[i] > 0) s[i] += fb * (de[i] - nd1 * rs[i] * (1 - f1m[i]) / (skmm[i] * tq));
            if (nd1 > 0) {
                for (int k = 0; k < ng; ++k) {
                    if (rs[k] <= 0) continue;
                    double t4 = 1;
                    if (skm[k] > 0) t4 = 1 - (1 - f) / skm[k];
                    double t5 = 1;
                    if (nd1 > 1) t5 = 1 - (nd1 - 1) / (tr * skmm[k] - 1);
                    const double t3 = t5 * skmm[k] * nd1 / (tr * rs[k]);
                    v3[k] += t4 * t4 * t3;
                    for (int i = 0; i < ng1; ++i) {
                        const double t1 = a(i, k) - t4 * c(i, k);
                        v2(i, k) += t1 * t4 * t3;
                        for (int j = 0; j <= i; ++j) v(i, j) += t1 * (a(j, k) - t4 * c(j, k)) * t3;
                    }
                }
            }
            if (nd2 > 0) {
                for (int k = 0; k < ng; ++k) {
                    if (skm[k] <= 0 || doth[k] <= 0) continue;
                    const double t4 = (1 - f) / skm[k];
                    double t5 = 1;
                    if (doth[k] > 1) t5 = 1 - (doth[k] - 1) / (rs[k] - 1);
                    const double t3 = t5 * skmm[k] * skmm[k] * doth[k] / (rs[k] * rs[k]);
                    v3[k] += t4 * t4 * t3;
                    for (int i = 0; i < ng1; ++i) {
                        const double t1 = t4 * c(i, k);
                        v2(i, k) -= t1 * t4 * t3;
                        for (int j = 0; j <= i; ++j) v(i, j) += t1 * t4 * c(j, k) * t3;
                    }
                }
            }
        }
        for (int g = 0; g < ng; ++g) rs[g] -= dc[g] + de[g] + doth[g];
        fm = f;
        f1m = f1;
        skmm = skm;
    }
    for (int i = 0; i < ng1; ++i)
        for (int j = 0; j <= i; ++j)
            for (int k = 0; k < ng; ++k) v(i, j) += c(i, k) * c(j, k) * v3[k] + c(i, k) * v2(j, k) + c(j, k) * v2(i, k);
    for (int i = 0; i < ng1; ++i)
        for (int j = 0; j < i; ++j) v(j, i) = v(i, j);
    s_out += s;
    v_out += v;
}

}  // namespace

GrayResult gray_test(const EventCounts& counts, int cause, const std::vector<int>& group_of, int n_groups,
                     const std::vector<int>& stratum_of, int n_strata) {
    const int nc = counts.n_categories();
    const int ng1 = n_groups - 1;
    Eigen::VectorXd s = Eigen::VectorXd::Zero(ng1);
    Eigen::MatrixXd v = Eigen::MatrixXd::Zero(ng1, ng1);
    for (int st = 0; st < n_strata; ++st) {
        std::vector<std::vector<double>> times(n_groups), d0(n_groups), d1(n_groups), d2(n_groups);
        bool any = false;
        for (int cv = 0; cv < counts.n_strata(); ++cv) {
            if (stratum_of[cv] != st) continue;
            const StratumCounts& sc = counts.stratum(cv);
            const int g = group_of[cv];
            // A (group, stratum) cell is one curve; cuminc is unweighted, so row counts are used.
            for (std::size_t j = 0; j < sc.size(); ++j) {
                double other = 0.0, total = 0.0;
                for (int k = 0; k < nc; ++k) total += sc.rows[j * nc + k];
                if (total == 0) continue;
                for (int k = 1; k < nc; ++k)
                    if (k != cause) other += sc.rows[j * nc + k];
                times[g].push_back(sc.time[j]);
                d0[g].push_back(sc.rows[j * nc]);
                d1[g].push_back(sc.rows[j * nc + cause]);
                d2[g].push_back(other);
                any = true;
            }
        }
        if (any) gray_stratum(times, d0, d1, d2, s, v);
    }
    GrayResult out;
    out.test.df = ng1;
    Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(v);
    if (qr.rank() < ng1) {
        out.valid = false;
        out.test.statistic = -1;
        out.test.p = 1.0;
        return out;
    }
    out.test.statistic = s.dot(qr.solve(s));
    out.test.p = chisq_upper(out.test.statistic, ng1);
    return out;
}

}  // namespace kohort::survival
