// Kaplan-Meier and Aalen-Johansen estimates of one stratum, from its merged per-time counts.
// Runs after the global merge, so it is the same on every rank (finalize).
#pragma once
#include <string>
#include <vector>

#include "kernels/survival/km_counts.hpp"

namespace kohort::survival {

enum class ConfType { log, log_log, plain, none };
// "log" | "log-log" | "plain" | "none"; throws UsageError naming `where` otherwise.
ConfType parse_conf_type(const std::string& text, const std::string& where);
std::string to_string(ConfType t);

struct ConfOptions {
    ConfType type = ConfType::log;
    double level = 0.95;
};

// Pointwise interval as R's survival:::survfit_confint computes it. `logse`: se is the standard
// error of log(p) (survfit's Greenwood std.err); otherwise it is the standard error of p itself.
void confidence_interval(double p, double se, bool logse, const ConfOptions& opt, double& low, double& high);

struct KmCurve {
    std::vector<double> time, n_risk, n_event, n_censor, survival, std_err, conf_low, conf_high;
    // true: std_err is the Greenwood standard error of log S (survfit's default);
    // false: the infinitesimal-jackknife standard error of S (survfit with non-integer weights).
    bool std_err_of_log = true;
};

// Kaplan-Meier at every distinct time where a row ends (as survfit reports). Events of any cause
// count as events. robust = false: Greenwood, survfit's std.err = sqrt(sum d / (n (n - d))).
// robust = true: survfit's infinitesimal-jackknife variance (used by R for non-integer case weights),
// computed from per-time sums of squared weights; needs right-censored data (no entries).
KmCurve kaplan_meier(const StratumCounts& sc, int n_causes, bool robust, const ConfOptions& conf);

// Aalen-Johansen for competing risks: state 0 = event free, state k = failed from cause k.
struct AjCurve {
    std::vector<double> time, n_risk;
    std::vector<std::vector<double>> n_event;     // [cause-1][t]
    std::vector<double> n_censor;
    std::vector<double> survival, survival_se;    // P(state 0) and its IJ standard error
    std::vector<std::vector<double>> cif, cif_se; // [cause-1][t]: survfit's pstate and std.err
};

// survfit(Surv(time, factor(status)) ~ ...) for right-censored data: pstate and its
// infinitesimal-jackknife std.err (each row its own cluster, as survfit without id).
AjCurve aalen_johansen(const StratumCounts& sc, int n_causes);

}  // namespace kohort::survival
