#include "kernels/survival/km_release.hpp"

#include <cmath>
#include <cstdio>

#include "core/error.hpp"

#include "kernels/linkage/cohort_labels.hpp"
#include "kernels/survival/curve_release.hpp"
#include "kernels/survival/logrank.hpp"

namespace kohort::survival {

bool releases_exactly(const DisclosurePolicy& p) {
    return !p.perturb && p.min_count <= 0 && p.redact_at < 0 && p.base() <= 1;
}

std::optional<double> release_count(DisclosureLedger& ledger, double count, const CountMeaning& meaning) {
    if (releases_exactly(ledger.policy()) || !std::isfinite(count)) return count;
    const auto r = ledger.release(std::llround(count), meaning);
    if (!r) return std::nullopt;
    return static_cast<double>(*r);
}

nlohmann::json release_json(DisclosureLedger& ledger, double count, const CountMeaning& meaning) {
    const auto r = release_count(ledger, count, meaning);
    return r ? json_number(*r) : nlohmann::json(nullptr);
}

std::string release_text(DisclosureLedger& ledger, double count, const CountMeaning& meaning) {
    const auto r = release_count(ledger, count, meaning);
    return r ? format_number(*r) : ledger.withheld_text();
}

std::string csv_text(const nlohmann::json& j) { return j.is_null() ? "NA" : format_number(j.get<double>()); }

std::string time_axis_label(const ModelContext& ctx) {
    std::string unit = ctx.spec.get("time_unit");
    if (unit.empty())
        if (const auto l = linkage::cohort_labels(ctx.table.name)) unit = l->time_unit;
    return unit.empty() ? "Time" : "Time (" + unit + ")";
}

ReleasedCurves::ReleasedCurves(const EventCounts& counts, DisclosureLedger& ledger)
    : exact_counts_(counts), ledger_(ledger), exact_(releases_exactly(ledger.policy())), perturbed_(ledger.perturbs()) {
    const int nc = counts.n_categories();
    double max_time = 0.0;
    for (int c = 0; c < counts.n_strata(); ++c) {
        const StratumCounts& sc = counts.stratum(c);
        double n = 0.0;
        for (double x : sc.rows) n += x;
        rows_.push_back(n);
        const auto k = ledger.policy().min_count;
        bool small = !exact_ && n > 0 && n < static_cast<double>(k);
        if (perturbed_ && n > 0) {
            // Decided on the stratum's perturbed size, so the decision is itself perturbed.
            if (!counts.keyed()) throw InternalError("curves under cell key perturbation need keyed counts");
            const auto size = ledger.peek(std::llround(n), cellkey::sum(sc.key));
            small = !size || *size == 0;
        }
        shown_.push_back(!small);
        // The stratum's label is a level held by fewer than k persons: neither it nor its curve leaves.
        if (small) ledger.withheld("curves", "stratum #" + std::to_string(c + 1), rule::small_level);
        if (!sc.time.empty()) max_time = std::max(max_time, std::fabs(sc.time.back()));
    }
    if (exact_) return;
    width_ = curve_bin_width(max_time);
    base_ = ledger.policy().curve_base();
    const cellkey::PerturbationTable* table = perturbed_ ? ledger.perturbation_table() : nullptr;
    for (int c = 0; c < counts.n_strata(); ++c)
        coarse_.push_back(coarsen_counts(counts.stratum(c), nc, width_, base_, table));
}

const StratumCounts& ReleasedCurves::counts(int c) const {
    return exact_ ? exact_counts_.stratum(c) : coarse_[static_cast<std::size_t>(c)];
}

nlohmann::json ReleasedCurves::curve_size(int c) const {
    if (exact_) return release_json(ledger_, rows_[static_cast<std::size_t>(c)]);
    double n = 0.0;
    for (double x : coarse_[static_cast<std::size_t>(c)].rows) n += x;
    return json_number(n);
}

nlohmann::json ReleasedCurves::count(double x) const { return exact_ ? release_json(ledger_, x) : json_number(x); }

nlohmann::json ReleasedCurves::note_difference(int c, double diff) const {
    const double rounded = std::ceil(diff * 1e4) / 1e4;
    char detail[160];
    if (perturbed_)
        std::snprintf(detail, sizeof detail,
                      "times binned to %g; cumulative counts perturbed by their cell keys; estimates recomputed", width_);
    else
        std::snprintf(detail, sizeof detail,
                      "times binned to %g; cumulative counts rounded to multiples of %lld; estimates recomputed",
                      width_, static_cast<long long>(base_));
    ledger_.coarsened("curves", "stratum #" + std::to_string(c + 1), rule::curve, detail);
    return rounded;
}

nlohmann::json ReleasedCurves::observed(const std::vector<double>& o, const std::vector<int>& group_of, int cause) const {
    nlohmann::json a = nlohmann::json::array();
    if (!perturbed_) {
        for (double x : o) a.push_back(release_json(ledger_, x, {"logrank.observed", ""}));
        return a;
    }
    const std::size_t nc = static_cast<std::size_t>(exact_counts_.n_categories());
    std::vector<double> sums(o.size(), 0.0);
    for (std::size_t c = 0; c < coarse_.size() && c < group_of.size(); ++c) {
        if (group_of[c] < 0 || static_cast<std::size_t>(group_of[c]) >= sums.size()) continue;
        const StratumCounts& sc = coarse_[c];
        for (std::size_t j = 0; j < sc.size(); ++j) sums[static_cast<std::size_t>(group_of[c])] += sc.rows[j * nc + cause];
    }
    for (double x : sums) a.push_back(json_number(x));
    return a;
}

nlohmann::json ReleasedCurves::expected(const std::vector<double>& e) const {
    nlohmann::json a = nlohmann::json::array();
    for (double x : e) a.push_back(exact_ ? json_number(x) : nlohmann::json(nullptr));
    if (!exact_) ledger_.withheld("logrank.expected", "", rule::derived, "the expected counts sum to the exact number of events");
    return a;
}

std::string ReleasedCurves::plot_svg(const StepPlot& plot, double max_time, const std::vector<std::string>& labels,
                                     int nc, int colours_per_stratum) const {
    const std::vector<double> ticks = axis_ticks(max_time);
    RiskTable risk;
    for (int c = 0; c < exact_counts_.n_strata(); ++c) {
        if (!shown(c)) continue;
        risk.row_labels.push_back(labels[static_cast<std::size_t>(c)]);
        risk.row_colour.push_back(c * colours_per_stratum);
        std::vector<std::string>& cells = risk.cells.emplace_back();
        for (double t : ticks) {
            const double n = number_at_risk(counts(c), nc, t);
            cells.push_back(exact_ ? release_text(ledger_, n) : format_number(n));
        }
    }
    return render_step_plot(plot, ticks, risk);
}

std::vector<std::string> ReleasedCurves::group_labels(const std::vector<std::string>& labels,
                                                     const std::vector<int>& group_of) const {
    if (exact_) return labels;
    std::vector<double> rows(labels.size(), 0.0);
    for (std::size_t c = 0; c < group_of.size() && c < rows_.size(); ++c)
        if (group_of[c] >= 0 && static_cast<std::size_t>(group_of[c]) < rows.size())
            rows[static_cast<std::size_t>(group_of[c])] += rows_[c];
    std::vector<std::string> out = labels;
    const auto k = ledger_.policy().min_count;
    for (std::size_t g = 0; g < out.size(); ++g)
        if (rows[g] > 0 && rows[g] < static_cast<double>(k)) {
            out[g] = "(a group of fewer than " + std::to_string(k) + " persons)";
            ledger_.withheld("groups", "group #" + std::to_string(g + 1), rule::small_level);
        }
    return out;
}

void ReleasedCurves::describe(nlohmann::json& r) const {
    if (exact_) return;
    if (perturbed_) {
        r["released_as"] = {{"method", "cell_key_perturbed"},
                            {"time_bin", width_},
                            {"note", "times binned; each cumulative count perturbed by the cell key of its persons "
                                     "(kept non-decreasing); estimates recomputed from the perturbed counts"}};
        return;
    }
    r["released_as"] = {{"method", "coarsened"},
                        {"time_bin", width_},
                        {"count_base", base_},
                        {"note", "times binned, cumulative counts rounded, estimates recomputed from the rounded counts"}};
}

}  // namespace kohort::survival
