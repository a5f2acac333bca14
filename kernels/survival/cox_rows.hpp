// One rank's rows of a Cox model, laid out once per fit for the per-iteration passes.
//
// Rows are reordered by the bin (global event-time index) of their exit time, deaths first within
// a bin, so every Newton iteration streams the covariates in order and each bin's risk-set sums
// are one small symmetric rank-k update. Covariates are centred by their global weighted means
// and scaled as survival's coxfit6 does (scale = sum w / sum w|x - mean|), which only changes
// the numerics, not the estimates.
#pragma once
#include <Eigen/Dense>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "core/column_sums.hpp"
#include "formula/model_frame.hpp"
#include "kernels/survival/event_times.hpp"
#include "mpi/comm.hpp"
#include "store/address_room.hpp"

namespace kohort {

struct CoxRows {
    int p = 0;
    bool counting_process = false;       // Surv(start, stop, status)
    Eigen::MatrixXd X;                   // n x p, centred and scaled, rows in exit-bin order
    AddressRoom x_room;                  // the frame's room above X (ModelFrame::x_room) until the rows move
    // prepare_cox_rows with reorder = false: the frame's stop times' storage (n values, no longer
    // read), which distribute_by_time packs the columns into; empty once the rows have moved.
    Eigen::VectorXd spare;
    // The same for the frame's event statuses' storage (4 bytes a row): distribute_by_time writes
    // each row's place in the send buffer there.
    Eigen::VectorXi spare_index;
    // Empty once the rows are laid out (in exit order on one rank, or distributed by time) when
    // every weight is 1 / every offset 0 on every rank: a constant is not written out per row. Read
    // them through weight_of and offset_of.
    Eigen::VectorXd weight, offset;
    // Each row's labels while the rows are in input order (prepare_cox_rows with reorder = false,
    // until distribute_by_time moves them). Once the rows are laid out in exit order these are
    // empty: the exit groups below say the same with a few numbers per bin instead of 9 bytes per
    // row, and row_labels recovers them where a row's own are needed. No stratum is kept per row:
    // a row's stratum is that of its bins.
    std::vector<std::int8_t> event;      // 1 death, 0 censored
    std::vector<std::int64_t> last_bin;  // last bin the row is at risk at (its exit bin); -1 never
    // In input order only: this rank's row terms per bin, each row at its exit bin and a late
    // entry once more at its entry bin (first_bin - 1), for plan_time_ranges.
    std::vector<std::int64_t> terms_per_bin;
    // First bin the row is at risk at; -1 when never at risk. Empty for right-censored data: each
    // row is at risk from its stratum's first bin. Kept after the layout (the entry groups and
    // residuals read it).
    std::vector<std::int64_t> first_bin;
    std::vector<std::int64_t> cluster;   // empty when no cluster column
    bool has_cluster = false;            // the fit uses a cluster column (the same on every rank,
                                         // also where this rank holds no rows)

    // Runs of rows with the same last_bin (rows never at risk are excluded and placed last).
    std::vector<std::int64_t> exit_group_begin;   // size groups + 1
    std::vector<std::int64_t> exit_group_bin;
    std::vector<std::int64_t> exit_group_deaths;  // the group's deaths come first
    // Counting process only: rows whose risk interval starts after the stratum's first bin,
    // ordered by (first_bin - 1), where their contribution is subtracted before the suffix sums.
    std::vector<std::int64_t> entry_rows;
    std::vector<std::int64_t> entry_group_begin;  // runs of entry_rows with the same bin
    std::vector<std::int64_t> entry_group_bin;

    // The bins whose sums this rank forms: all of them when every rank sums every bin and one
    // allreduce merges them; its own contiguous range once rows are distributed by time
    // (cox_distribute.hpp). Entry groups hold only bins in this window.
    std::int64_t bin_begin = 0, bin_end = 0;
    // Counting process distributed by time: the last `replicas` rows are entry replicas, copies of
    // rows owned by another rank whose entry bin (first_bin - 1) lies in this rank's window. They
    // have last_bin = -1 and event = 0, take part only in the entry sums and are not this rank's
    // rows for anything else (residuals, clusters, counts).
    Eigen::Index replicas = 0;

    Eigen::Index n() const { return X.rows(); }
    bool unit_weights() const { return weight.size() == 0; }
    bool zero_offset() const { return offset.size() == 0; }
    double weight_of(Eigen::Index i) const { return unit_weights() ? 1.0 : weight(i); }
    double offset_of(Eigen::Index i) const { return zero_offset() ? 0.0 : offset(i); }
    Eigen::Index n_owned() const { return X.rows() - replicas; }
};

// A covariate's value as the fit uses it: centred by the global weighted mean and scaled, and
// exactly 0 for a column that is constant over all rows (as R's centring gives).
struct StandardiseColumn {
    double mean = 0, scale = 1;
    bool constant = false;
    double operator()(double x) const { return constant ? 0.0 : (x - mean) * scale; }
};

// Around the global mean: sum of w |x - mean| (for the scale) and sum over deaths of w (x - mean),
// in one read of the column; visit(i, x) sees each value on the way (distribute_by_time packs it
// for sending there, so the column is read once for both). The sums run in kColumnLanes
// independent lanes (core/column_sums.hpp). w == nullptr: unit weights.
struct ColumnDeviations {
    double absolute, deaths;
};
template <typename Visit>
ColumnDeviations column_deviations(const double* w, const std::int8_t* died, const double* x, double mean,
                                   Eigen::Index n, Visit visit) {
    constexpr Eigen::Index L = kColumnLanes;
    double a[L] = {}, d[L] = {};
    auto add = [&](Eigen::Index i, Eigen::Index l) {
        visit(i, x[i]);
        const double wc = (w ? w[i] : 1.0) * (x[i] - mean);
        a[l] += std::abs(wc);                        // w > 0: w |c| = |w c|
        d[l] += wc * static_cast<double>(died[i]);  // a censored row adds 0: no change
    };
    Eigen::Index i = 0;
    for (; i + L <= n; i += L)
        for (Eigen::Index l = 0; l < L; ++l) add(i + l, l);
    for (Eigen::Index l = 0; i < n; ++i, ++l) add(i, l);
    return {combine_column_lanes(a), combine_column_lanes(d)};
}

// Global quantities of a fit that every rank shares after set-up.
struct CoxSetup {
    EventTimeIndex bins;
    std::vector<double> deaths;          // per bin: number of deaths
    std::vector<double> death_weight;    // per bin: sum of death weights
    Eigen::VectorXd death_x;             // sum over deaths of w x (centred, scaled)
    double death_offset = 0;             // sum over deaths of w offset
    Eigen::VectorXd means, scale;        // x_scaled = (x - mean) * scale
    std::vector<bool> constant;          // covariate constant over all used rows
    std::vector<bool> stratum_has_rows;  // some used row lies in the stratum
    double total_weight = 0;             // sum of the weights over all used rows
    std::int64_t n = 0, events = 0;
    bool has_weights = false;            // some weight != 1
    bool has_offset = false;             // some offset != 0
    bool fractional_weights = false;     // some weight is not an integer

    StandardiseColumn standardiser(int j) const {
        return {means(j), scale(j), constant[static_cast<std::size_t>(j)]};
    }
    // survival's coxfit6 scale from the global sum of w |x - mean|: sum w / that, 1 when it is 0.
    double scale_from(double absolute_deviations) const {
        return absolute_deviations > 0 ? total_weight / absolute_deviations : 1.0;
    }
};

// Validates and lays out the frame's local rows (collective over comm). Throws UsageError, the
// same on every rank, for negative or non-finite times, stop <= start, non-positive or
// non-finite weights, and data without any event. `what` names the model for messages.
// response_columns are the Surv() column names (for messages). The frame is consumed: X and the
// per-row vectors move into the result, and stop, start and status are freed.
// reorder = false leaves the rows in input order without groups and X as the frame's values, for
// distribute_by_time, which reads each column once to move it: it sums the absolute deviations
// and the deaths' values there, so setup.scale and setup.death_x are left for it to fill, and it
// standardises X (CoxSetup::standardiser) and puts the rows in exit order itself. For
// right-censored data first_bin is left empty either way.
CoxRows prepare_cox_rows(ModelFrame& frame, int n_strata, const Comm& comm, const std::string& what,
                         const std::vector<std::string>& response_columns, CoxSetup& setup, bool reorder = true);

// Builds the exit and entry groups from the labels (last_bin, event) and first_bin of rows
// already in exit order, for the bins in [rows.bin_begin, rows.bin_end). The labels stay.
void build_groups(CoxRows& rows, const EventTimeIndex& bins);

// The exit groups of rows laid out in exit order, from the number of rows under each exit key
// (per_key[2 (bin - lo)]: deaths at bin, per_key[2 (bin - lo) + 1]: censored at bin, the last key:
// rows never at risk); then the entry groups from first_bin. No per-row labels are read or kept.
void set_groups_from_key_counts(CoxRows& rows, const std::vector<std::int64_t>& per_key, std::int64_t lo,
                                const EventTimeIndex& bins);

// Each laid-out row's labels, recovered from the exit groups (and first_bin): for residuals,
// subsets and tests. A row's stratum is that of its exit bin, else of its entry bin (entry
// replicas), else 0 (a row never at risk, which no sum reads).
struct RowLabels {
    std::vector<std::int8_t> event;
    std::vector<std::int64_t> last_bin;
    std::vector<std::int32_t> stratum;
};
RowLabels row_labels(const CoxRows& rows, const EventTimeIndex& bins);

// Exit order of rows: old row k moves to dest[k]. At-risk rows by last_bin (all within [lo, hi)),
// deaths first within a bin, then rows never at risk. A stable counting sort (O(n + bins)), so the
// order (and every floating-point sum) is the same on every run. per_key, if given, receives the
// number of rows under each key (set_groups_from_key_counts).
std::vector<std::int64_t> exit_order(const std::vector<std::int64_t>& last, const std::vector<std::int8_t>& event,
                                     std::int64_t lo, std::int64_t hi, std::vector<std::int64_t>* per_key = nullptr);

// A rank's share of already laid-out rows: rows `which` (ascending), regrouped. Lets tests split
// one data set into "ranks" and check that merging their sums equals one pass over all rows. The
// result keeps its labels (row_labels of the input), so a test can relabel it and build_groups.
CoxRows select_rows(const CoxRows& rows, const std::vector<Eigen::Index>& which, const EventTimeIndex& bins);

}  // namespace kohort
