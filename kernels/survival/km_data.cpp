#include "kernels/survival/km_data.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "core/error.hpp"
#include "core/error_counts.hpp"
#include "formula/formula.hpp"
#include "formula/model_frame.hpp"

namespace kohort::survival {
namespace {

void add_unique(std::vector<std::string>& v, const std::string& s) {
    if (std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
}

// Splits a curve label "a=1, b=x, c=2" made from variables `vars` (in order) into its parts.
std::vector<std::string> split_label(const std::string& label, const std::vector<std::string>& vars) {
    std::vector<std::size_t> starts;
    std::size_t from = 0;
    for (std::size_t i = 0; i < vars.size(); ++i) {
        const std::string key = (i == 0 ? "" : ", ") + vars[i] + "=";
        std::size_t at = (i == 0) ? (label.rfind(key, 0) == 0 ? 0 : std::string::npos) : label.find(key, from);
        if (at == std::string::npos) throw InternalError("unexpected stratum label '" + label + "'");
        starts.push_back(i == 0 ? 0 : at + 2);
        from = at + key.size();
    }
    std::vector<std::string> parts;
    for (std::size_t i = 0; i < starts.size(); ++i) {
        const std::size_t end = (i + 1 < starts.size()) ? starts[i + 1] - 2 : label.size();
        parts.push_back(label.substr(starts[i], end - starts[i]));
    }
    return parts;
}

std::string join(const std::vector<std::string>& parts, std::size_t from, std::size_t to) {
    std::string s;
    for (std::size_t i = from; i < to; ++i) s += (s.empty() ? "" : ", ") + parts[i];
    return s.empty() ? "all" : s;
}

int index_of_label(std::vector<std::string>& labels, const std::string& l) {
    auto it = std::find(labels.begin(), labels.end(), l);
    if (it != labels.end()) return static_cast<int>(it - labels.begin());
    labels.push_back(l);
    return static_cast<int>(labels.size()) - 1;
}

}  // namespace

SurvivalData load_survival_data(const ModelContext& ctx, bool competing_risks) {
    const Options& spec = ctx.spec;
    const std::string where = spec.where();
    const Formula formula = spec.formula("formula");
    if (formula.response != Formula::Response::Surv2 && formula.response != Formula::Response::Surv3)
        throw UsageError(where + ": formula '" + formula.text + "' has no Surv(time, status) or Surv(start, stop, status) response; " +
                         spec.kind + " needs one");
    if (!formula.offsets.empty())
        throw UsageError(where + ": offset() has no meaning for kind = " + spec.kind);

    // Plain variables then strata() variables all split the curves (survfit's convention).
    std::vector<std::string> plain_vars, strata_vars;
    for (const Term& t : formula.terms)
        for (const Variable& v : t.variables) add_unique(plain_vars, v.column);
    for (const std::string& s : formula.strata)
        if (std::find(plain_vars.begin(), plain_vars.end(), s) == plain_vars.end()) add_unique(strata_vars, s);
    std::vector<std::string> all_vars = plain_vars;
    all_vars.insert(all_vars.end(), strata_vars.begin(), strata_vars.end());

    Formula curves = formula;
    curves.terms.clear();
    curves.strata = all_vars;
    curves.cluster.reset();

    FrameOptions opt;
    opt.allow_intercept = false;
    opt.weights_column = spec.get("weights");
    opt.source = where;
    opt.competing_risks = competing_risks;
    ModelFrame frame = model_frame(ctx, curves, opt);

    SurvivalData data;
    data.has_start = frame.has_start;
    data.has_weights = !opt.weights_column.empty();
    data.n_total = frame.n_total;
    data.n_dropped_missing = frame.n_dropped_missing;
    data.curve_labels = frame.strata_labels;
    if (data.curve_labels.empty()) data.curve_labels = {"all"};

    // Validate every local row; agree on the outcome across ranks so all ranks throw together.
    const Eigen::Index n = frame.n_local();
    std::int64_t bad_time = 0, bad_interval = 0, bad_status = 0, bad_weight = 0, fractional = 0;
    std::int64_t max_status = 0;
    for (Eigen::Index i = 0; i < n; ++i) {
        const double stop = frame.stop[i];
        if (!std::isfinite(stop) || stop < 0) ++bad_time;
        if (frame.has_start) {
            const double start = frame.start[i];
            if (!std::isfinite(start) || start < 0) ++bad_time;
            else if (!(stop > start)) ++bad_interval;
        }
        const int st = frame.status[i];
        if (st < 0 || (!competing_risks && st > 1)) ++bad_status;
        max_status = std::max<std::int64_t>(max_status, st);
        const double w = frame.weights[i];
        if (!std::isfinite(w) || w < 0) ++bad_weight;
        else if (w != std::floor(w)) ++fractional;
    }
    std::vector<std::int64_t> flags{bad_time, bad_interval, bad_status, bad_weight, fractional};
    ctx.comm.allreduce(flags);
    max_status = ctx.comm.allreduce(max_status, ReduceOp::max);
    const std::string rows_word = " row(s)";
    if (flags[0] > 0)
        throw UsageError(where + ": " + error_count(flags[0]) + rows_word +
                         " have a negative or non-finite time; expected times >= 0");
    if (flags[1] > 0)
        throw UsageError(where + ": " + error_count(flags[1]) + rows_word +
                         " have stop <= start in Surv(start, stop, status); expected stop > start");
    if (flags[2] > 0)
        throw UsageError(where + ": " + error_count(flags[2]) + rows_word + " have a status outside the coding; expected " +
                         (competing_risks ? "0 (censored) or a cause 1..K" : "0/1, bool, or 1/2 with 2 = event"));
    if (flags[3] > 0)
        throw UsageError(where + ": " + error_count(flags[3]) + rows_word +
                         " have a negative or non-finite weight; expected weights >= 0");
    data.fractional_weights = flags[4] > 0;
    data.n_causes = competing_risks ? static_cast<int>(std::max<std::int64_t>(max_status, 1)) : 1;

    data.rows.stratum.assign(frame.strata.begin(), frame.strata.end());
    if (data.rows.stratum.empty() && n > 0) data.rows.stratum.assign(static_cast<std::size_t>(n), 0);
    data.rows.stop.assign(frame.stop.data(), frame.stop.data() + n);
    if (frame.has_start) data.rows.start.assign(frame.start.data(), frame.start.data() + n);
    data.rows.status.assign(frame.status.data(), frame.status.data() + n);
    data.rows.weight.assign(frame.weights.data(), frame.weights.data() + n);
    data.rows.key = frame.record_keys;
    data.keys = frame_cell_keys(ctx, frame.record_keys);

    // Groups and test strata of each curve, from its label (the same on every rank).
    const bool stratified = !plain_vars.empty() && !strata_vars.empty();
    for (const std::string& label : data.curve_labels) {
        if (all_vars.empty()) {
            data.group_of.push_back(index_of_label(data.group_labels, "all"));
            data.test_stratum_of.push_back(index_of_label(data.test_stratum_labels, "all"));
            continue;
        }
        const auto parts = split_label(label, all_vars);
        const std::size_t ng = stratified ? plain_vars.size() : all_vars.size();
        data.group_of.push_back(index_of_label(data.group_labels, join(parts, 0, ng)));
        data.test_stratum_of.push_back(index_of_label(data.test_stratum_labels, join(parts, ng, parts.size())));
    }
    return data;
}

}  // namespace kohort::survival
