#include "kernels/survival/km_kernel.hpp"

#include <cmath>

#include "core/error.hpp"
#include "kernels/survival/km_estimator.hpp"
#include "kernels/survival/curve_release.hpp"
#include "kernels/survival/km_release.hpp"
#include "kernels/survival/logrank.hpp"
#include "kernels/survival/svg_plot.hpp"

namespace kohort::survival {

EventCounts merged_counts(const ModelContext& ctx, const SurvivalData& data) {
    EventCounts counts(static_cast<int>(data.curve_labels.size()), data.n_causes, ctx.record_keys != nullptr);
    counts.consume(data.rows);
    counts.allreduce(ctx.comm);
    return counts;
}

ConfOptions conf_options(const Options& spec) {
    ConfOptions c;
    c.type = parse_conf_type(spec.choice("conf_type"), spec.where());
    c.level = spec.real("conf_int");
    return c;
}

void open_curve_result(nlohmann::json& r, const std::string& kind, const SurvivalData& data, const ConfOptions& conf,
                       DisclosureLedger& ledger) {
    r["kind"] = kind;
    r["n"] = ledger.release_json(data.n_total, {"n", "", data.keys.rows});
    r["n_dropped_missing"] = ledger.release_json(data.n_dropped_missing, {"n_dropped_missing", "", data.keys.dropped});
    r["conf_type"] = to_string(conf.type);
    r["conf_int"] = conf.level;
    r["curves"] = nlohmann::json::array();
}

ModelOutput km_from_data(const ModelContext& ctx, const SurvivalData& data) {
    const ConfOptions conf = conf_options(ctx.spec);
    // survfit uses the robust (infinitesimal-jackknife) variance when any case weight is not an
    // integer; that needs right-censored data here (survfit would need an id for start/stop data).
    const bool robust = data.fractional_weights;
    if (robust && data.has_start)
        throw UsageError(ctx.spec.where() +
                         ": non-integer weights with Surv(start, stop, status) are not supported for km; "
                         "expected integer case weights or right-censored Surv(time, status)");
    const EventCounts counts = merged_counts(ctx, data);
    DisclosureLedger& led = ctx.disclosure;
    const ReleasedCurves rel(counts, led);

    ModelOutput out;
    nlohmann::json& r = out.result;
    open_curve_result(r, "km", data, conf, led);
    r["std_err_scale"] = robust && rel.exact() ? "survival" : "log_survival";
    rel.describe(r);
    out.csv.header = {"stratum", "time", "n_risk", "n_event", "n_censor", "survival", "std_err", "conf_low", "conf_high"};

    StepPlot plot;
    plot.title = "Kaplan-Meier: " + ctx.spec.name;
    plot.x_label = time_axis_label(ctx);
    plot.y_label = "Survival probability";
    double max_time = 0.0, total_events = 0.0;
    for (int c = 0; c < counts.n_strata(); ++c) {
        if (!rel.shown(c)) continue;
        const StratumCounts& sc = rel.counts(c);
        KmCurve k = kaplan_meier(sc, 1, robust && rel.exact(), conf);
        nlohmann::json cj;
        cj["stratum"] = data.curve_labels[c];
        cj["n"] = rel.curve_size(c);
        cj["time"] = json_numbers(k.time);
        nlohmann::json nr = nlohmann::json::array(), ne = nlohmann::json::array(), ncen = nlohmann::json::array();
        for (std::size_t j = 0; j < k.time.size(); ++j) {
            nr.push_back(rel.count(k.n_risk[j]));
            ne.push_back(rel.count(k.n_event[j]));
            ncen.push_back(rel.count(k.n_censor[j]));
            out.csv.rows.push_back({data.curve_labels[c], format_number(k.time[j]), csv_text(nr.back()), csv_text(ne.back()),
                                    csv_text(ncen.back()), format_number(k.survival[j]), format_number(k.std_err[j]),
                                    format_number(k.conf_low[j]), format_number(k.conf_high[j])});
            total_events += k.n_event[j];
        }
        cj["n_risk"] = nr;
        cj["n_event"] = ne;
        cj["n_censor"] = ncen;
        cj["survival"] = json_numbers(k.survival);
        cj["std_err"] = json_numbers(k.std_err);
        cj["conf_low"] = json_numbers(k.conf_low);
        cj["conf_high"] = json_numbers(k.conf_high);
        if (!rel.exact()) {
            const KmCurve exact = kaplan_meier(counts.stratum(c), 1, robust, conf);
            cj["max_abs_diff_from_exact"] =
                rel.note_difference(c, max_step_difference(exact.time, exact.survival, k.time, k.survival, 1.0));
        }
        r["curves"].push_back(cj);
        if (!k.time.empty()) max_time = std::max(max_time, k.time.back());

        StepSeries s;
        s.label = data.curve_labels[c];
        s.start_value = 1.0;
        s.colour = c;
        s.time = k.time;
        s.value = k.survival;
        s.low = k.conf_low;
        s.high = k.conf_high;
        for (std::size_t j = 0; j < k.time.size(); ++j)
            if (k.n_censor[j] > 0) s.censor_times.push_back(k.time[j]);
        plot.series.push_back(std::move(s));
    }
    r["events"] = rel.exact() ? release_json(led, total_events, {"events", ""}) : rel.count(total_events);

    // Log-rank (survdiff) across the groups, stratified by strata() variables when there are groups too.
    const int n_groups = static_cast<int>(data.group_labels.size());
    if (n_groups >= 2) {
        std::vector<double> O, E;
        const ChiSquareTest t = logrank_test(counts, data.group_of, n_groups, data.test_stratum_of,
                                             static_cast<int>(data.test_stratum_labels.size()), &O, &E);
        // No expected events in two or more groups (e.g. everything censored): no test, as
        // survdiff's chisq = 0 on df <= 0 carries no information.
        const bool testable = t.df >= 1;
        nlohmann::json lr{{"statistic", testable ? json_number(t.statistic) : nlohmann::json(nullptr)},
                          {"df", std::max(t.df, 0)},
                          {"p", testable ? json_number(t.p) : nlohmann::json(nullptr)}};
        lr["groups"] = rel.group_labels(data.group_labels, data.group_of);
        lr["observed"] = nlohmann::json::array();
        lr["observed"] = rel.observed(O, data.group_of, 1);
        lr["expected"] = rel.expected(E);
        lr["stratified"] = data.test_stratum_labels.size() > 1;
        r["logrank"] = lr;
    } else {
        r["logrank"] = nullptr;
    }

    out.svg = rel.plot_svg(plot, max_time, data.curve_labels, 2, 1);
    return out;
}

}  // namespace kohort::survival
