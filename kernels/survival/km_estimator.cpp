#include "kernels/survival/km_estimator.hpp"

#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <limits>

#include "core/error.hpp"

namespace kohort::survival {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Weighted number at risk just before each grid time: rows ending at or after t minus rows
// entering at or after t (an entry at a is at risk on (a, stop]).
std::vector<double> at_risk(const StratumCounts& sc, int n_cat, const std::vector<double>& per_row_w,
                            const std::vector<double>& enter) {
    const std::size_t m = sc.size();
    std::vector<double> n(m, 0.0);
    double exits = 0.0, entries = 0.0;
    for (std::size_t j = m; j-- > 0;) {
        for (int c = 0; c < n_cat; ++c) exits += per_row_w[j * n_cat + c];
        entries += enter[j];
        n[j] = exits - entries;
    }
    return n;
}

bool has_exits(const StratumCounts& sc, int n_cat, std::size_t j) {
    for (int c = 0; c < n_cat; ++c)
        if (sc.rows[j * n_cat + c] > 0) return true;
    return false;
}

}  // namespace

ConfType parse_conf_type(const std::string& text, const std::string& where) {
    if (text == "log") return ConfType::log;
    if (text == "log-log") return ConfType::log_log;
    if (text == "plain") return ConfType::plain;
    if (text == "none") return ConfType::none;
    throw UsageError(where + ": conf_type is '" + text + "', expected log, log-log, plain or none");
}

std::string to_string(ConfType t) {
    switch (t) {
        case ConfType::log: return "log";
        case ConfType::log_log: return "log-log";
        case ConfType::plain: return "plain";
        case ConfType::none: return "none";
    }
    return "log";
}

void confidence_interval(double p, double se, bool logse, const ConfOptions& opt, double& low, double& high) {
    low = high = kNaN;
    if (opt.type == ConfType::none) return;
    const double z = boost::math::quantile(boost::math::normal(), 1.0 - (1.0 - opt.level) / 2.0);
    if (!logse) se = (se == 0.0) ? 0.0 : se / p;  // survfit_confint works with the se of log p
    switch (opt.type) {
        case ConfType::plain: {
            const double se2 = se * p * z;
            low = std::max(p - se2, 0.0);
            high = std::min(p + se2, 1.0);
            if (std::isnan(se2)) low = high = kNaN;
            break;
        }
        case ConfType::log: {
            if (p == 0.0) return;
            const double se2 = z * se;
            low = std::exp(std::log(p) - se2);
            high = std::min(std::exp(std::log(p) + se2), 1.0);
            if (std::isnan(se2)) low = high = kNaN;
            break;
        }
        case ConfType::log_log: {
            if (p == 0.0 || p == 1.0) return;
            const double se2 = z * se / std::log(p);
            low = std::exp(-std::exp(std::log(-std::log(p)) - se2));
            high = std::exp(-std::exp(std::log(-std::log(p)) + se2));
            break;
        }
        case ConfType::none: break;
    }
}

AjCurve aalen_johansen(const StratumCounts& sc, int K) {
    const int nc = K + 1;
    const std::size_t m = sc.size();
    const std::vector<double> n = at_risk(sc, nc, sc.w, sc.enter_w);
    const std::vector<double> n2 = at_risk(sc, nc, sc.w2, sc.enter_w2);
    AjCurve out;
    out.time = sc.time;
    out.n_risk = n;
    out.n_censor.resize(m);
    out.n_event.assign(K, std::vector<double>(m));
    out.survival.resize(m);
    out.survival_se.resize(m);
    out.cif.assign(K, std::vector<double>(m));
    out.cif_se.assign(K, std::vector<double>(m));

    // Infinitesimal jackknife (survfit's robust variance for multi-state curves, each row its own
    // cluster). With U_i(t) the derivative of the estimate with respect to row i's weight, the
    // variance is sum_i w_i^2 U_i(t)^2. Rows still at risk after t share one U; rows that ended at
    // b <= t with the same category share U(t) = gamma + beta * F_k(t) (beta = U^S(b) / S(b)), so
    // the sum needs only per-time sums of squared weights. Derivation in docs/algorithms-km.md.
    std::vector<double> F(K, 0.0), Q(K, 0.0), A(K, 0.0), B(K, 0.0), C(K, 0.0);
    double S = 1.0, R = 0.0, CS = 0.0;  // CS: sum over ended rows of w^2 c^2 (for Var S)
    for (std::size_t j = 0; j < m; ++j) {
        const double* wj = &sc.w[j * nc];
        const double* w2j = &sc.w2[j * nc];
        double d = 0.0, d2 = 0.0;
        for (int k = 1; k <= K; ++k) {
            d += wj[k];
            d2 += w2j[k];
        }
        const double nj = n[j];
        const double h = (d > 0.0) ? d / nj : 0.0;
        const double Sm = S, Rm = R;
        S = Sm * (1.0 - h);
        R = Rm * (1.0 - h) + ((d > 0.0) ? Sm * h / nj : 0.0);
        for (int k = 0; k < K; ++k) {
            const double dk = wj[k + 1];
            if (dk > 0.0) {
                F[k] += Sm * dk / nj;
                Q[k] += Rm * dk / nj - Sm * dk / (nj * nj);
            }
        }
        const double us_cens = R;
        const double us_event = (1.0 - h) * (Rm - Sm / nj);
        const double c_cens = (S > 0.0) ? us_cens / S : 0.0;
        const double c_event = (S > 0.0) ? us_event / S : 0.0;
        const double w2_after = n2[j] - (d2 + w2j[0]);
        for (int k = 0; k < K; ++k) {
            const double gc = Q[k] - c_cens * F[k];
            A[k] += w2j[0] * gc * gc;
            B[k] += w2j[0] * gc * c_cens;
            C[k] += w2j[0] * c_cens * c_cens;
            for (int kp = 0; kp < K; ++kp) {
                const double wt2 = w2j[kp + 1];
                if (wt2 == 0.0) continue;
                const double g = Q[k] + (kp == k ? Sm / nj : 0.0) - c_event * F[k];
                A[k] += wt2 * g * g;
                B[k] += wt2 * g * c_event;
                C[k] += wt2 * c_event * c_event;
            }
            const double v = w2_after * Q[k] * Q[k] + A[k] + 2.0 * B[k] * F[k] + C[k] * F[k] * F[k];
            out.cif[k][j] = F[k];
            out.cif_se[k][j] = std::sqrt(std::max(v, 0.0));
            out.n_event[k][j] = wj[k + 1];
        }
        CS += w2j[0] * c_cens * c_cens + d2 * c_event * c_event;
        out.survival[j] = S;
        out.survival_se[j] = std::sqrt(std::max(w2_after * R * R + S * S * CS, 0.0));
        out.n_censor[j] = wj[0];
    }
    return out;
}

KmCurve kaplan_meier(const StratumCounts& sc, int K, bool robust, const ConfOptions& conf) {
    const int nc = K + 1;
    const std::size_t m = sc.size();
    KmCurve out;
    out.std_err_of_log = !robust;
    AjCurve aj;
    if (robust) {
        for (double e : sc.enter_rows)
            if (e > 0) throw InternalError("robust Kaplan-Meier variance needs right-censored data");
        aj = aalen_johansen(sc, K);
    }
    const std::vector<double> n = at_risk(sc, nc, sc.w, sc.enter_w);
    double S = 1.0, greenwood = 0.0;
    for (std::size_t j = 0; j < m; ++j) {
        double d = 0.0;
        for (int k = 1; k <= K; ++k) d += sc.w[j * nc + k];
        if (d > 0.0) {
            S *= 1.0 - d / n[j];
            // Greenwood's sum; survfit reports sqrt of it as std.err (the se of log S). n = d
            // gives +Inf, as in R.
            greenwood += (n[j] - d > 0.0) ? d / (n[j] * (n[j] - d)) : std::numeric_limits<double>::infinity();
        }
        if (!has_exits(sc, nc, j)) continue;  // entry-only times are not reported (as survfit)
        out.time.push_back(sc.time[j]);
        out.n_risk.push_back(n[j]);
        out.n_event.push_back(d);
        out.n_censor.push_back(sc.w[j * nc]);
        out.survival.push_back(S);
        const double se = robust ? aj.survival_se[j] : std::sqrt(greenwood);
        out.std_err.push_back(se);
        double lo, hi;
        confidence_interval(S, se, !robust, conf, lo, hi);
        out.conf_low.push_back(lo);
        out.conf_high.push_back(hi);
    }
    return out;
}

}  // namespace kohort::survival
