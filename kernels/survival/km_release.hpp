// Disclosure control for released survival counts (contract section 7). Under policy "none"
// counts and curves are released exactly (weighted counts stay fractional), as R computes them.
// Under any other policy the curves are released coarsened (curve_release.hpp): times binned,
// cumulative counts rounded to multiples of the policy's base, the estimate recomputed from them;
// a stratum held by fewer than k persons is withheld with its label. Stand-alone counts (the
// model's n, log-rank observed) pass through the ledger.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "jobs/release.hpp"
#include "kernels/kernel.hpp"
#include "kernels/survival/km_counts.hpp"
#include "kernels/survival/svg_plot.hpp"

namespace kohort::survival {

bool releases_exactly(const DisclosurePolicy& policy);
// The released value, or nullopt when suppressed.
std::optional<double> release_count(DisclosureLedger& ledger, double count, const CountMeaning& meaning = {});
nlohmann::json release_json(DisclosureLedger& ledger, double count, const CountMeaning& meaning = {});
std::string release_text(DisclosureLedger& ledger, double count, const CountMeaning& meaning = {});  // CSV, SVG
// A JSON count as a CSV cell: the number, or NA when withheld.
std::string csv_text(const nlohmann::json& j);
// The x-axis label: "Time (years)" where the table is a cohort (or the model sets time_unit).
std::string time_axis_label(const ModelContext& ctx);

// The curves of one km or cif model as they are released.
class ReleasedCurves {
public:
    ReleasedCurves(const EventCounts& counts, DisclosureLedger& ledger);
    bool exact() const { return exact_; }
    // False for a stratum held by 1 .. k-1 persons: its curve and label are withheld.
    bool shown(int c) const { return shown_[static_cast<std::size_t>(c)]; }
    // The counts the estimates are computed from: exact, or coarsened.
    const StratumCounts& counts(int c) const;
    nlohmann::json curve_size(int c) const;
    // A count read off a released curve (already coarsened under a policy).
    nlohmann::json count(double x) const;
    // Records the curve's coarsening and returns the largest difference from the exact curve,
    // rounded up to 4 decimals.
    nlohmann::json note_difference(int c, double diff) const;
    // Log-rank observed events per group: released counts (under perturbation: the sums of the
    // group's released event counts of `cause`).
    nlohmann::json observed(const std::vector<double>& o, const std::vector<int>& group_of, int cause) const;
    // Log-rank expected counts: withheld under a policy (they sum to the exact number of events).
    nlohmann::json expected(const std::vector<double>& e) const;
    // The SVG of `plot` (whose x axis ends at max_time) with the number-at-risk table under it: a
    // row per shown stratum c, labelled labels[c] and coloured as its first curve, c * colours_per_stratum.
    std::string plot_svg(const StepPlot& plot, double max_time, const std::vector<std::string>& labels,
                         int n_categories, int colours_per_stratum) const;
    // Test groups' labels as released: a group held by fewer than k persons is named by the rule
    // instead of its level. group_of: the group of each stratum.
    std::vector<std::string> group_labels(const std::vector<std::string>& labels, const std::vector<int>& group_of) const;
    // results.json's "released_as" block (under a policy).
    void describe(nlohmann::json& r) const;

private:
    const EventCounts& exact_counts_;
    DisclosureLedger& ledger_;
    bool exact_;
    bool perturbed_ = false;  // cell key perturbation instead of rounding (issue 16)
    double width_ = 0;
    std::int64_t base_ = 1;
    std::vector<double> rows_;
    std::vector<bool> shown_;
    std::vector<StratumCounts> coarse_;
};

}  // namespace kohort::survival
