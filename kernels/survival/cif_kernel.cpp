#include "kernels/survival/cif_kernel.hpp"

#include <algorithm>
#include <optional>

#include "core/error.hpp"
#include "kernels/linkage/cohort_labels.hpp"
#include "kernels/survival/curve_release.hpp"
#include "kernels/survival/gray_test.hpp"
#include "kernels/survival/km_estimator.hpp"
#include "kernels/survival/km_kernel.hpp"
#include "kernels/survival/km_release.hpp"
#include "kernels/survival/logrank.hpp"
#include "kernels/survival/svg_plot.hpp"

namespace kohort::survival {
namespace {

// The plot's name for cause k: the cohort's outcome or competing event where the table is a
// cohort, else "cause k".
std::string cause_name(const ModelContext& ctx, int k) {
    if (const auto l = linkage::cohort_labels(ctx.table.name); l && k <= static_cast<int>(l->cause_names.size()))
        return l->cause_names[static_cast<std::size_t>(k - 1)];
    return "cause " + std::to_string(k);
}

}  // namespace

ModelOutput cif_from_data(const ModelContext& ctx, const SurvivalData& data) {
    if (data.has_start)
        throw UsageError(ctx.spec.where() +
                         ": kind = cif needs right-censored Surv(time, status); Surv(start, stop, status) was given");
    const ConfOptions conf = conf_options(ctx.spec);
    const EventCounts counts = merged_counts(ctx, data);
    const int K = counts.n_causes();
    const int nc = K + 1;
    DisclosureLedger& led = ctx.disclosure;
    const ReleasedCurves rel(counts, led);

    ModelOutput out;
    nlohmann::json& r = out.result;
    open_curve_result(r, "cif", data, conf, led);
    rel.describe(r);
    out.csv.header = {"stratum", "cause", "time", "n_risk", "n_event", "n_censor", "estimate", "std_err", "conf_low", "conf_high"};

    // Causes that occur anywhere (cuminc tests and plots only those).
    std::vector<double> events_of_cause(K, 0.0);
    for (int c = 0; c < counts.n_strata(); ++c) {
        if (!rel.shown(c)) continue;
        const StratumCounts& sc = rel.counts(c);
        for (std::size_t j = 0; j < sc.size(); ++j)
            for (int k = 1; k <= K; ++k) events_of_cause[k - 1] += sc.rows[j * nc + k];
    }

    StepPlot plot;
    plot.title = "Cumulative incidence: " + ctx.spec.name;
    plot.x_label = time_axis_label(ctx);
    plot.y_label = "Cumulative incidence";
    double max_time = 0.0;
    for (int c = 0; c < counts.n_strata(); ++c) {
        if (!rel.shown(c)) continue;
        const AjCurve aj = aalen_johansen(rel.counts(c), K);
        const std::optional<AjCurve> exact =
            rel.exact() ? std::nullopt : std::optional<AjCurve>(aalen_johansen(counts.stratum(c), K));
        if (!aj.time.empty()) max_time = std::max(max_time, aj.time.back());
        for (int k = 1; k <= K; ++k) {
            if (events_of_cause[k - 1] == 0) continue;
            const std::size_t m = aj.time.size();
            std::vector<double> low(m), high(m);
            for (std::size_t j = 0; j < m; ++j)
                confidence_interval(aj.cif[k - 1][j], aj.cif_se[k - 1][j], false, conf, low[j], high[j]);
            nlohmann::json cj;
            cj["stratum"] = data.curve_labels[c];
            cj["cause"] = k;
            cj["time"] = json_numbers(aj.time);
            nlohmann::json nr = nlohmann::json::array(), ne = nlohmann::json::array(), ncen = nlohmann::json::array();
            for (std::size_t j = 0; j < m; ++j) {
                nr.push_back(rel.count(aj.n_risk[j]));
                ne.push_back(rel.count(aj.n_event[k - 1][j]));
                ncen.push_back(rel.count(aj.n_censor[j]));
                out.csv.rows.push_back({data.curve_labels[c], std::to_string(k), format_number(aj.time[j]), csv_text(nr.back()),
                                        csv_text(ne.back()), csv_text(ncen.back()), format_number(aj.cif[k - 1][j]),
                                        format_number(aj.cif_se[k - 1][j]), format_number(low[j]), format_number(high[j])});
            }
            cj["n_risk"] = nr;
            cj["n_event"] = ne;
            cj["n_censor"] = ncen;
            cj["estimate"] = json_numbers(aj.cif[k - 1]);
            cj["std_err"] = json_numbers(aj.cif_se[k - 1]);
            cj["conf_low"] = json_numbers(low);
            cj["conf_high"] = json_numbers(high);
            if (exact)
                cj["max_abs_diff_from_exact"] = rel.note_difference(
                    c, max_step_difference(exact->time, exact->cif[k - 1], aj.time, aj.cif[k - 1], 0.0));
            r["curves"].push_back(cj);

            StepSeries s;
            s.label = data.curve_labels[c] + ", " + cause_name(ctx, k);
            s.start_value = 0.0;
            s.colour = c * K + (k - 1);
            s.time = aj.time;
            s.value = aj.cif[k - 1];
            s.low = low;
            s.high = high;
            plot.series.push_back(std::move(s));
        }
    }

    // Gray's test between the groups (cmprsk::cuminc(group, strata)). cuminc has no case weights.
    std::vector<int> group_of(data.group_of.size());
    std::vector<std::string> groups;  // non-empty groups only, as cuminc drops empty levels
    for (int c = 0; c < counts.n_strata(); ++c) {
        const StratumCounts& sc = counts.stratum(c);
        double rows = 0;
        for (double x : sc.rows) rows += x;
        const std::string& g = data.group_labels[data.group_of[c]];
        auto it = std::find(groups.begin(), groups.end(), g);
        if (rows > 0 && it == groups.end()) {
            groups.push_back(g);
            it = groups.end() - 1;
        }
        group_of[c] = (it == groups.end()) ? 0 : static_cast<int>(it - groups.begin());
    }
    if (groups.size() >= 2 && !data.has_weights) {
        nlohmann::json tests = nlohmann::json::array();
        for (int k = 1; k <= K; ++k) {
            if (events_of_cause[k - 1] == 0) continue;
            const GrayResult g = gray_test(counts, k, group_of, static_cast<int>(groups.size()), data.test_stratum_of,
                                           static_cast<int>(data.test_stratum_labels.size()));
            tests.push_back({{"cause", k},
                             {"statistic", g.valid ? json_number(g.test.statistic) : nlohmann::json(nullptr)},
                             {"df", g.test.df},
                             {"p", g.valid ? json_number(g.test.p) : nlohmann::json(nullptr)}});
        }
        const std::vector<std::string> shown = rel.group_labels(data.group_labels, data.group_of);
        for (auto& g : groups)
            g = shown[static_cast<std::size_t>(std::find(data.group_labels.begin(), data.group_labels.end(), g) -
                                               data.group_labels.begin())];
        r["gray_test"] = {{"groups", groups}, {"stratified", data.test_stratum_labels.size() > 1}, {"tests", tests}};
    } else {
        r["gray_test"] = nullptr;
    }

    out.svg = rel.plot_svg(plot, max_time, data.curve_labels, nc, K);
    return out;
}

}  // namespace kohort::survival
