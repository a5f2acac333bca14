#include "kernels/survival/cox_rows.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <type_traits>

#include <omp.h>

#include "core/error.hpp"
#include "core/error_counts.hpp"
#include "core/thread_share.hpp"
#include "kernels/survival/row_windows.hpp"
#include "store/prefault.hpp"

namespace kohort {
namespace {

// Below this many rows the per-row loops of the set-up run on one thread (starting a team costs
// more than the loop).
constexpr std::int64_t kThreadedRows = 50000;

// Threads for a loop over n rows that keeps a histogram of `keys` counters per thread: at most the
// team's size, and few enough that the histograms (summed serially) stay small beside the rows.
int histogram_threads(std::size_t n, std::size_t keys) {
    if (static_cast<std::int64_t>(n) <= kThreadedRows) return 1;
    const std::size_t affordable = std::max<std::size_t>(1, n / (8 * std::max<std::size_t>(keys, 1)));
    return static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(omp_get_max_threads()), affordable));
}

// Every rank checks its rows; the counts are summed so all ranks throw the same error together
// (a rank that threw alone would leave the others waiting in the next collective).
// x_finite: every covariate value on this rank is finite (from the sums pass, so X is not read
// once more for this); rows with a non-finite value are counted only when it is false.
// weights and offset: the rows' (the frame's have moved into CoxRows), empty for unit weights and
// a zero offset.
void validate(const ModelFrame& f, const Eigen::VectorXd& weights, const Eigen::VectorXd& offsets, bool x_finite,
              const Comm& comm, const std::string& what, const std::vector<std::string>& cols) {
    const Eigen::Index n = f.n_local();
    const std::string time_col = f.has_start ? (cols.size() > 1 ? cols[1] : "stop") : (cols.empty() ? "time" : cols[0]);
    const std::string start_col = f.has_start && !cols.empty() ? cols[0] : "start";
    enum { kTimeInf, kTimeNeg, kStartInf, kStartNeg, kOrder, kWeight, kOffset, kCovariate, kCount };
    // Counts of rows: whole numbers, the same for any number of threads.
    std::int64_t count[kCount] = {};
#pragma omp parallel for schedule(static) if (n > kThreadedRows) reduction(+ : count[:kCount])
    for (Eigen::Index i = 0; i < n; ++i) {
        const double t = f.stop(i);
        if (!std::isfinite(t)) ++count[kTimeInf];
        else if (t < 0) ++count[kTimeNeg];
        if (f.has_start) {
            const double s = f.start(i);
            if (!std::isfinite(s)) ++count[kStartInf];
            else if (s < 0) ++count[kStartNeg];
            else if (std::isfinite(t) && !(t > s)) ++count[kOrder];
        }
        if (weights.size()) {
            const double w = weights(i);
            if (!(std::isfinite(w) && w > 0)) ++count[kWeight];
        }
        if (offsets.size() && !std::isfinite(offsets(i))) ++count[kOffset];
    }
    std::vector<std::int64_t> bad(count, count + kCount);
    // Column-wise first (X is column-major); rows are counted only when something is wrong.
    if (!x_finite)
        for (Eigen::Index i = 0; i < n; ++i)
            if (!f.X.row(i).allFinite()) bad[kCovariate] += 1;
    comm.allreduce(bad);
    const std::string pre = what + ": ";
    if (bad[kTimeInf] > 0)
        throw UsageError(pre + error_rows(bad[kTimeInf]) + " with an infinite time in column '" + time_col +
                         "'; expected finite times");
    if (bad[kTimeNeg] > 0)
        throw UsageError(pre + error_rows(bad[kTimeNeg]) + " with a negative time in column '" + time_col +
                         "'; expected times >= 0");
    if (bad[kStartInf] > 0)
        throw UsageError(pre + error_rows(bad[kStartInf]) + " with an infinite start time in column '" +
                         start_col + "'; expected finite times");
    if (bad[kStartNeg] > 0)
        throw UsageError(pre + error_rows(bad[kStartNeg]) + " with a negative start time in column '" +
                         start_col + "'; expected times >= 0");
    if (bad[kOrder] > 0)
        throw UsageError(pre + error_rows(bad[kOrder]) + " where '" + time_col + "' <= '" + start_col +
                         "'; expected each interval to end after it starts (stop > start)");
    if (bad[kWeight] > 0)
        throw UsageError(pre + error_rows(bad[kWeight]) +
                         " with a zero, negative or infinite case weight; expected weights > 0");
    if (bad[kOffset] > 0)
        throw UsageError(pre + error_rows(bad[kOffset]) + " with an infinite offset; expected finite offsets");
    if (bad[kCovariate] > 0)
        throw UsageError(pre + error_rows(bad[kCovariate]) +
                         " with an infinite covariate value; expected finite values");
}

// Reorders rows: old row k moves to its new position in two passes (row_windows.hpp), first to
// slot[k] of the rows grouped by window, then to its place inside its window. Both passes go
// through `scratch` (room for as many values, 8 bytes each, already faulted in): a new vector per
// call would be fresh memory each time, whose page faults cost more than the copy on this VM.
template <typename Vec>
void scatter_vector(Vec& v, const std::vector<std::int64_t>& slot, const std::vector<std::int32_t>& place,
                    std::int64_t window, std::byte* scratch) {
    using Value = std::remove_cvref_t<decltype(v[0])>;
    static_assert(std::is_trivially_copyable_v<Value> && sizeof(Value) <= sizeof(double));
    auto* out = reinterpret_cast<Value*>(scratch);
    // A permutation: the same result for any split of the rows among threads.
    const auto n = static_cast<std::int64_t>(slot.size());
#pragma omp parallel for schedule(static) if (n > kThreadedRows)
    for (std::int64_t k = 0; k < n; ++k) out[slot[static_cast<std::size_t>(k)]] = v[static_cast<std::size_t>(k)];
    lay_out_windows(out, place, window, v.data(), std::identity{});
}

// Weighted sum, minimum and maximum of one column in one read; w == nullptr: unit weights.
ColumnRange weighted_column_range(const double* w, const double* x, Eigen::Index n) {
    if (w == nullptr) return column_range(x, n);
    return column_range(x, n, [w](Eigen::Index i) { return w[i]; });
}

}  // namespace

namespace {

// The stable counting sort behind both exit_order forms; key(k) in [0, 2 (hi - lo)] (deaths at
// even keys, 2 (hi - lo) for rows never at risk).
// With threads, each counts its contiguous share of the rows per key; the serial prefix over
// (key, thread) then starts each thread's rows of a key after the earlier threads' rows of that key,
// which is the stable order, so dest is the same for any number of threads.
// per_key, if given, receives each key's number of rows.
template <typename Key>
std::vector<std::int64_t> counting_order(std::size_t n, std::int64_t lo, std::int64_t hi, Key key,
                                         std::vector<std::int64_t>* per_key) {
    std::vector<std::int64_t> dest;
    reserve_prefaulted(dest, n);
    dest.resize(n);
    const auto keys = static_cast<std::size_t>(2 * (hi - lo) + 1);
    const int threads = histogram_threads(n, keys);
    std::vector<std::int64_t> start(keys * static_cast<std::size_t>(threads), 0);  // [thread][key]
#pragma omp parallel num_threads(threads) if (threads > 1)
    {
        const int t = omp_get_thread_num(), team = omp_get_num_threads();  // the team may be smaller
        const auto [a, e] = thread_share(n, t, team);
        std::int64_t* mine = start.data() + keys * static_cast<std::size_t>(t);
        for (std::size_t k = a; k < e; ++k) ++mine[static_cast<std::size_t>(key(k))];
#pragma omp barrier
#pragma omp single
        {
            if (per_key) per_key->assign(keys, 0);
            std::int64_t next = 0;
            for (std::size_t b = 0; b < keys; ++b)
                for (int u = 0; u < team; ++u) {
                    std::int64_t& c = start[keys * static_cast<std::size_t>(u) + b];
                    const std::int64_t rows_here = c;
                    if (per_key) (*per_key)[b] += rows_here;
                    c = next;
                    next += rows_here;
                }
        }  // the single's barrier: every thread's starts are known
        for (std::size_t k = a; k < e; ++k) dest[k] = mine[static_cast<std::size_t>(key(k))]++;
    }
    return dest;
}

}  // namespace

std::vector<std::int64_t> exit_order(const std::vector<std::int64_t>& last, const std::vector<std::int8_t>& event,
                                     std::int64_t lo, std::int64_t hi, std::vector<std::int64_t>* per_key) {
    return counting_order(
        last.size(), lo, hi,
        [&](std::size_t k) { return last[k] < 0 ? 2 * (hi - lo) : 2 * (last[k] - lo) + (event[k] ? 0 : 1); }, per_key);
}

namespace {

void clear_groups(CoxRows& r) {
    r.exit_group_begin.clear();
    r.exit_group_bin.clear();
    r.exit_group_deaths.clear();
    r.entry_rows.clear();
    r.entry_group_begin.clear();
    r.entry_group_bin.clear();
}

// Counting process: the rows whose risk interval starts after their stratum's first bin and whose
// entry bin (first_bin - 1) lies in [bin_begin, bin_end), by entry bin. A row's stratum is its
// entry bin's: first_bin is -1 only for rows never at risk, which enter nowhere.
void build_entry_groups(CoxRows& r, const EventTimeIndex& bins) {
    if (!r.counting_process) return;
    const Eigen::Index n = r.n();
    for (Eigen::Index i = 0; i < n; ++i) {
        const std::int64_t first = r.first_bin[static_cast<std::size_t>(i)];
        const std::int64_t entry = first - 1;
        if (first >= 0 && first > bins.begin(bins.stratum_of(first)) && entry >= r.bin_begin && entry < r.bin_end)
            r.entry_rows.push_back(i);
    }
    std::stable_sort(r.entry_rows.begin(), r.entry_rows.end(), [&](std::int64_t a, std::int64_t b) {
        return r.first_bin[static_cast<std::size_t>(a)] < r.first_bin[static_cast<std::size_t>(b)];
    });
    for (std::size_t k = 0; k < r.entry_rows.size(); ++k) {
        const std::int64_t b = r.first_bin[static_cast<std::size_t>(r.entry_rows[k])] - 1;
        if (r.entry_group_bin.empty() || r.entry_group_bin.back() != b) {
            r.entry_group_begin.push_back(static_cast<std::int64_t>(k));
            r.entry_group_bin.push_back(b);
        }
    }
    r.entry_group_begin.push_back(static_cast<std::int64_t>(r.entry_rows.size()));
}

}  // namespace

void build_groups(CoxRows& r, const EventTimeIndex& bins) {
    const Eigen::Index n = r.n();
    clear_groups(r);
    for (Eigen::Index i = 0; i < n; ++i) {
        const std::int64_t b = r.last_bin[static_cast<std::size_t>(i)];
        if (b < 0) break;
        if (r.exit_group_bin.empty() || r.exit_group_bin.back() != b) {
            r.exit_group_begin.push_back(i);
            r.exit_group_bin.push_back(b);
            r.exit_group_deaths.push_back(0);
        }
        if (r.event[static_cast<std::size_t>(i)]) ++r.exit_group_deaths.back();
    }
    {
        std::int64_t end = 0;
        while (end < n && r.last_bin[static_cast<std::size_t>(end)] >= 0) ++end;
        r.exit_group_begin.push_back(end);
    }
    build_entry_groups(r, bins);
}

void set_groups_from_key_counts(CoxRows& r, const std::vector<std::int64_t>& per_key, std::int64_t lo,
                                const EventTimeIndex& bins) {
    clear_groups(r);
    std::int64_t at = 0;
    for (std::size_t k = 0; k + 2 < per_key.size(); k += 2) {  // the last key: rows never at risk
        const std::int64_t deaths = per_key[k], rows = deaths + per_key[k + 1];
        if (rows == 0) continue;
        r.exit_group_begin.push_back(at);
        r.exit_group_bin.push_back(lo + static_cast<std::int64_t>(k / 2));
        r.exit_group_deaths.push_back(deaths);
        at += rows;
    }
    r.exit_group_begin.push_back(at);
    build_entry_groups(r, bins);
}

RowLabels row_labels(const CoxRows& r, const EventTimeIndex& bins) {
    const auto n = static_cast<std::size_t>(r.n());
    RowLabels out;
    out.event.assign(n, 0);
    out.last_bin.assign(n, -1);
    out.stratum.assign(n, 0);
    for (std::size_t g = 0; g + 1 < r.exit_group_begin.size(); ++g) {
        const auto begin = static_cast<std::size_t>(r.exit_group_begin[g]);
        const auto end = static_cast<std::size_t>(r.exit_group_begin[g + 1]);
        const std::int64_t bin = r.exit_group_bin[g];
        std::fill(out.last_bin.begin() + static_cast<std::ptrdiff_t>(begin), out.last_bin.begin() + static_cast<std::ptrdiff_t>(end), bin);
        std::fill_n(out.event.begin() + static_cast<std::ptrdiff_t>(begin), r.exit_group_deaths[g], std::int8_t{1});
        std::fill(out.stratum.begin() + static_cast<std::ptrdiff_t>(begin), out.stratum.begin() + static_cast<std::ptrdiff_t>(end), bins.stratum_of(bin));
    }
    const std::size_t exits = r.exit_group_begin.empty() ? 0 : static_cast<std::size_t>(r.exit_group_begin.back());
    for (std::size_t k = exits; k < n && !r.first_bin.empty(); ++k)
        if (r.first_bin[k] >= 0) out.stratum[k] = bins.stratum_of(r.first_bin[k]);
    return out;
}

CoxRows select_rows(const CoxRows& rows, const std::vector<Eigen::Index>& which, const EventTimeIndex& bins) {
    CoxRows out;
    out.p = rows.p;
    out.counting_process = rows.counting_process;
    out.has_cluster = rows.has_cluster;
    out.bin_begin = rows.bin_begin;
    out.bin_end = rows.bin_end;
    const auto m = static_cast<Eigen::Index>(which.size());
    out.X.resize(m, rows.p);
    out.weight.resize(m);
    out.offset.resize(m);
    const RowLabels labels = row_labels(rows, bins);
    for (Eigen::Index k = 0; k < m; ++k) {
        const Eigen::Index i = which[static_cast<std::size_t>(k)];
        const auto u = static_cast<std::size_t>(i);
        out.X.row(k) = rows.X.row(i);
        out.weight(k) = rows.weight_of(i);
        out.offset(k) = rows.offset_of(i);
        out.event.push_back(labels.event[u]);
        if (!rows.first_bin.empty()) out.first_bin.push_back(rows.first_bin[u]);
        out.last_bin.push_back(labels.last_bin[u]);
        if (!rows.cluster.empty()) out.cluster.push_back(rows.cluster[u]);
    }
    build_groups(out, bins);
    return out;
}

CoxRows prepare_cox_rows(ModelFrame& f, int n_strata, const Comm& comm, const std::string& what,
                         const std::vector<std::string>& response_columns, CoxSetup& setup, bool reorder) {
    const Eigen::Index n = f.n_local();
    const int p = static_cast<int>(f.X.cols());
    CoxRows rows;
    rows.p = p;
    rows.counting_process = f.has_start;
    // The frame is consumed: its vectors move rather than copy. A frame without weights or offset
    // leaves them empty: unit weights and a zero offset (CoxRows::weight_of, offset_of).
    rows.weight = std::move(f.weights);
    rows.offset = std::move(f.offset);

    // Any weight other than 1, any fractional weight on this rank (NaN counts as other than 1).
    bool weight_not_one = false, fractional = false;
    for (Eigen::Index i = 0; i < rows.weight.size(); ++i) {
        const double wi = rows.weight(i);
        if (wi != 1.0) weight_not_one = true;
        if (wi != std::floor(wi)) fractional = true;
    }

    // Two reads of X (each column 16 MB at 2M rows does not stay in cache): weighted sums with the
    // range, then the absolute deviations and the deaths' sums around the global means. X is
    // written once, centred and scaled, by the layout pass below (the reordering here, or the
    // packing of rows that move to other ranks in distribute_by_time). The first read also tells
    // validate whether any value is not finite: a non-finite value makes the column's sum or range
    // non-finite (NaN through the sum). With unit weights on this rank the weighted sum is the sum
    // (1 x is x), and the first read is not needed where the frame took the column's sum and range
    // as it copied it (ModelFrame::x_summary).
    const double* w = weight_not_one ? rows.weight.data() : nullptr;
    auto summary_of = [&](int j) -> const ModelFrame::ColumnSummary* {
        const auto k = static_cast<std::size_t>(j);
        return w == nullptr && k < f.x_summary.size() && f.x_summary[k].known ? &f.x_summary[k] : nullptr;
    };
    Eigen::VectorXd sums(p + 1);
    Eigen::VectorXd lo(p), hi(p);
    bool x_finite = true;
    // Columns are independent: with threads, each takes whole columns (the same sums whatever the
    // number of threads).
#pragma omp parallel for schedule(dynamic, 1) reduction(&& : x_finite)
    for (int j = 0; j < p; ++j) {
        const ModelFrame::ColumnSummary* known = summary_of(j);
        const ColumnRange r = known ? ColumnRange{known->sum, known->min, known->max} : weighted_column_range(w, f.X.col(j).data(), n);
        sums(j) = r.weighted_sum;
        lo(j) = r.min;
        hi(j) = r.max;
        // A false alarm (finite values whose weighted sum overflows) only makes validate count rows.
        if (!std::isfinite(r.weighted_sum) || !std::isfinite(r.min) || !std::isfinite(r.max)) x_finite = false;
    }
    validate(f, rows.weight, rows.offset, x_finite, comm, what, response_columns);

    // Each row's event as one byte: the row's `event` in the result, and what the deviations pass
    // reads (with the weights it stays in cache while the columns stream past; a vector of the
    // deaths' weights beside the weights did not, which made that pass three times as slow).
    const auto un = static_cast<std::size_t>(n);
    std::vector<std::int8_t> event(un);
    std::int64_t events = 0;
#pragma omp parallel for schedule(static) if (n > kThreadedRows) reduction(+ : events)
    for (Eigen::Index i = 0; i < n; ++i) {
        event[static_cast<std::size_t>(i)] = f.status(i) != 0 ? 1 : 0;
        events += event[static_cast<std::size_t>(i)];
    }

    // Counts, weights and the global means (survival's coxfit6 centres by the weighted mean).
    // rows, events, any weight != 1, any fractional weight, any offset != 0
    double totals[5] = {static_cast<double>(n), 0, 0, 0, 0};
    totals[1] = static_cast<double>(events);
    totals[2] = weight_not_one ? 1 : 0;
    totals[3] = fractional ? 1 : 0;
    for (Eigen::Index i = 0; i < rows.offset.size(); ++i)
        if (rows.offset(i) != 0.0) totals[4] = 1;
    comm.allreduce(totals, 5);
    setup.n = static_cast<std::int64_t>(totals[0]);
    setup.events = static_cast<std::int64_t>(totals[1]);
    setup.has_weights = totals[2] > 0;
    setup.fractional_weights = totals[3] > 0;
    setup.has_offset = totals[4] > 0;
    if (setup.events == 0)
        throw UsageError(what + ": no events among the " + error_count(setup.n) +
                         " rows used (every row is censored); a Cox model needs at least one event");

    // Weights or an offset another rank has but this one's frame lacks (it has no rows) are written
    // out, so the per-row code below can read them wherever the flags say they exist.
    if (setup.has_weights && rows.unit_weights()) rows.weight = Eigen::VectorXd::Ones(n);
    if (setup.has_offset && rows.zero_offset()) rows.offset = Eigen::VectorXd::Zero(n);

    sums(p) = rows.unit_weights() ? static_cast<double>(n) : rows.weight.sum();
    comm.allreduce(sums);
    setup.means = sums.head(p) / sums(p);
    comm.allreduce(lo, ReduceOp::min);
    comm.allreduce(hi, ReduceOp::max);
    setup.constant.assign(static_cast<std::size_t>(p), false);
    for (int j = 0; j < p; ++j) setup.constant[static_cast<std::size_t>(j)] = !(hi(j) > lo(j));

    setup.total_weight = sums(p);

    // The deviations pass also sums w x over deaths (centred, not yet scaled: the scale needs this
    // pass's totals; it multiplies the sum below). A constant column is exactly 0 once centred, as
    // R's centring gives, so both its sums are 0. This pass runs only where rows are reordered on
    // several ranks (communication = allreduce): where the rows move to other ranks (reorder =
    // false) distribute_by_time takes the same sums in the read that packs each column, and on one
    // rank the reordering's read of each column takes them (a column's scale needs no other rank).
    Eigen::VectorXd death_x = Eigen::VectorXd::Zero(p);
    setup.scale = Eigen::VectorXd::Ones(p);
    const bool scale_while_reordering = reorder && comm.size() == 1;
    if (reorder && !scale_while_reordering) {
        Eigen::VectorXd abs_sums = Eigen::VectorXd::Zero(p);
#pragma omp parallel for schedule(dynamic, 1)
        for (int j = 0; j < p; ++j) {
            if (setup.constant[static_cast<std::size_t>(j)]) continue;
            const ColumnDeviations c = column_deviations(w, event.data(), f.X.col(j).data(), setup.means(j), n, [](Eigen::Index, double) {});
            abs_sums(j) = c.absolute;
            death_x(j) = c.deaths;
        }
        comm.allreduce(abs_sums);
        for (int j = 0; j < p; ++j) setup.scale(j) = setup.scale_from(abs_sums(j));
    }

    // The one global ordering of event times, and each row's at-risk bin range, both through one
    // grid over the rows' whole-number times (event_times.hpp).
    const double* stop = f.stop.data();
    // Each row's stratum; null with one stratum (the frame then has no strata): every row in 0.
    const std::int32_t* strata = f.strata.size() == un ? f.strata.data() : nullptr;
    WholeTimeGrid grid;
    // Each thread widens its own grid over its share; the minimum and maximum do not depend on how
    // the rows are shared out.
#pragma omp parallel if (n > kThreadedRows)
    {
        const auto [a, e] = thread_share(un, omp_get_thread_num(), omp_get_num_threads());
        WholeTimeGrid mine;
        mine.add(stop + a, e - a);
        if (f.has_start) mine.add(f.start.data() + a, e - a);
#pragma omp critical(kohort_cox_grid)
        grid.widen(mine);
    }
    grid.close(n_strata);
    setup.bins = EventTimeIndex::gather(comm, n_strata, strata, stop, f.status.data(), un, grid);
    // Read for the last time. Where the rows move next, its storage holds their places in the move
    // (CoxRows::spare_index); otherwise its pages serve the bins below.
    Eigen::VectorXi spare_index = std::move(f.status);
    if (reorder) spare_index = Eigen::VectorXi();
    const EventTimeIndex& bins = setup.bins;
    const std::int64_t T = bins.size();
    RowBinLookup lookup(bins, grid);
    // Entry bins are kept for counting-process rows only: a right-censored row is at risk from its
    // stratum's first bin (CoxRows::first_bin).
    const bool keep_first = f.has_start;
    std::vector<std::int64_t> first, last;
    if (keep_first) {
        reserve_prefaulted(first, un);
        first.resize(un);
    }
    reserve_prefaulted(last, un);
    last.resize(un);
    // The same read counts the deaths per bin (fixed for the fit) and marks the strata that have
    // rows, in a histogram per thread: whole numbers, so their sum is the same for any number of
    // threads. Both are stores without a branch: a mark rather than a count per stratum (one
    // stratum would make every row's increment wait for the last), and every row adds its event
    // (0 or 1) to its bin's count, rows never at risk to a spare counter at the end. Where the rows
    // move to other ranks next, it also counts the row terms per bin that cut the bins into ranks
    // (plan_time_ranges): a row at its exit bin and, entering late, once more at its entry bin.
    const bool count_terms = !reorder;
    const auto terms_at = static_cast<std::size_t>(T + n_strata + 1);  // per bin, then a spare
    const auto counters = terms_at + (count_terms ? static_cast<std::size_t>(T + 1) : 0);  // deaths per bin, strata, spare, terms
    const int threads = histogram_threads(un, counters);
    std::vector<std::int64_t> counts(counters * static_cast<std::size_t>(threads), 0);  // [thread][counter]
    const double* start_time = f.has_start ? f.start.data() : nullptr;
#pragma omp parallel num_threads(threads) if (threads > 1)
    {
        const int t = omp_get_thread_num();
        const auto [a, e] = thread_share(un, t, omp_get_num_threads());
        std::int64_t* deaths_here = counts.data() + counters * static_cast<std::size_t>(t);
        std::int64_t* stratum_marks = deaths_here + T;
        std::int64_t* terms_here = deaths_here + terms_at;
        const std::int64_t spare = T + n_strata;
        CachedLastBin cache = lookup.new_cache();
        for (std::size_t k = a; k < e; ++k) {
            const int s = strata ? strata[k] : 0;
            std::int64_t l = lookup.last_at_or_before(s, stop[k], cache);
            std::int64_t b = start_time ? lookup.first_after(s, start_time[k], cache) : bins.begin(s);
            if (l < 0 || l < b) l = b = -1;  // at risk at no event time: contributes nothing
            if (keep_first) first[k] = b;
            last[k] = l;
            stratum_marks[s] = 1;
            deaths_here[l >= 0 ? l : spare] += event[k];  // a death is at risk at its own time: l >= 0
            if (count_terms) {
                ++terms_here[l >= 0 ? l : T];
                if (start_time) ++terms_here[l >= 0 && b > bins.begin(s) ? b - 1 : T];
            }
        }
    }
    std::vector<double> death_sums(static_cast<std::size_t>(2 * T + p + 1), 0.0);
    std::vector<std::int64_t> per_stratum(static_cast<std::size_t>(n_strata), 0);
    if (count_terms) rows.terms_per_bin.assign(static_cast<std::size_t>(T), 0);
    for (int t = 0; t < threads; ++t) {
        const std::int64_t* here = counts.data() + counters * static_cast<std::size_t>(t);
        for (std::int64_t b = 0; b < T; ++b) death_sums[static_cast<std::size_t>(b)] += static_cast<double>(here[b]);
        for (int s = 0; s < n_strata; ++s) per_stratum[static_cast<std::size_t>(s)] += here[T + s];  // > 0: has rows
        if (count_terms)
            for (std::int64_t b = 0; b < T; ++b) rows.terms_per_bin[static_cast<std::size_t>(b)] += here[terms_at + static_cast<std::size_t>(b)];
    }
    // The deaths' weights per bin and their offsets: with unit weights the first is the count of
    // deaths; otherwise floating-point sums, taken in row order on one thread so that they do not
    // depend on the number of threads. The deaths' covariate sums follow below.
    if (setup.has_weights || setup.has_offset) {
        for (Eigen::Index i = 0; i < n; ++i) {
            const auto k = static_cast<std::size_t>(i);
            if (!event[k] || last[k] < 0) continue;
            const double wi = rows.weight_of(i);
            death_sums[static_cast<std::size_t>(T + last[k])] += wi;
            death_sums[static_cast<std::size_t>(2 * T + p)] += wi * rows.offset_of(i);
        }
    } else {
        std::copy(death_sums.begin(), death_sums.begin() + T, death_sums.begin() + T);
    }

    std::vector<std::int64_t> per_key;  // rows under each exit key: the groups, once laid out
    if (reorder) {
        // Each row's slot when grouped by window of its new position, and each slot's place in its
        // window: the reorder runs in two passes (row_windows.hpp).
        std::vector<std::int64_t> slot = exit_order(last, event, 0, T, &per_key);  // new position of row k, for now
        const std::int64_t window = window_rows(1, n);
        const std::vector<std::int32_t> place = group_by_window(slot, window);
        // One column at a time (per thread), so the extra memory is a column per thread rather
        // than a second X; the per-row vectors reuse the first thread's column afterwards. On one
        // rank the scatter's read also takes the column's deviation sums (column_deviations), and
        // the values are centred and scaled as they are copied back.
        std::vector<std::unique_ptr<std::byte[]>> scratch(static_cast<std::size_t>(omp_get_max_threads()));
        for (auto& column : scratch) column = std::make_unique_for_overwrite<std::byte[]>(un * sizeof(double));
#pragma omp parallel
        {
            double* out = reinterpret_cast<double*>(scratch[static_cast<std::size_t>(omp_get_thread_num())].get());
            prefault_bytes(out, un * sizeof(double));
#pragma omp for schedule(dynamic, 1)
            for (int j = 0; j < p; ++j) {
                double* col = f.X.col(j).data();
                const bool constant = setup.constant[static_cast<std::size_t>(j)];
                if (scale_while_reordering && !constant) {
                    const ColumnDeviations c = column_deviations(
                        w, event.data(), col, setup.means(j), n,
                        [&](Eigen::Index k, double x) { out[slot[static_cast<std::size_t>(k)]] = x; });
                    setup.scale(j) = setup.scale_from(c.absolute);
                    death_x(j) = c.deaths;
                    lay_out_windows(out, place, window, col, setup.standardiser(j));
                } else {
                    const StandardiseColumn z = setup.standardiser(j);
                    for (Eigen::Index k = 0; k < n; ++k) out[slot[static_cast<std::size_t>(k)]] = z(col[k]);
                    lay_out_windows(out, place, window, col, std::identity{});
                }
            }
        }
        // Unit weights and a zero offset (on every rank) are not written out per row: left empty
        // (CoxRows::weight_of, offset_of), as distribute_by_time leaves them.
        std::byte* spare = scratch.front().get();
        if (setup.has_weights) scatter_vector(rows.weight, slot, place, window, spare);
        else rows.weight = Eigen::VectorXd();
        if (setup.has_offset) scatter_vector(rows.offset, slot, place, window, spare);
        else rows.offset = Eigen::VectorXd();
        // The rows' events, exit bins and strata are not reordered: in exit order they are the
        // groups (set_groups_from_key_counts below).
        if (keep_first) scatter_vector(first, slot, place, window, spare);
        if (f.has_cluster) {
            rows.cluster = std::move(f.cluster);
            scatter_vector(rows.cluster, slot, place, window, spare);
        }
    } else {
        // The rows move to other ranks next (cox_distribute.hpp), which puts them in exit order
        // and centres and scales them as it packs them: X stays as the frame made it.
        if (f.has_cluster) rows.cluster = std::move(f.cluster);
    }
    rows.X = std::move(f.X);
    rows.x_room = std::move(f.x_room);
    rows.first_bin = std::move(first);
    rows.bin_begin = 0;
    rows.bin_end = T;
    rows.has_cluster = f.has_cluster;
    if (reorder) {
        set_groups_from_key_counts(rows, per_key, 0, bins);
    } else {  // distribute_by_time reads the labels
        rows.event = std::move(event);
        rows.last_bin = std::move(last);
    }

    for (int j = 0; j < p; ++j) death_sums[static_cast<std::size_t>(2 * T + j)] = setup.scale(j) * death_x(j);
    comm.allreduce(death_sums);
    setup.deaths.assign(death_sums.begin(), death_sums.begin() + T);
    setup.death_weight.assign(death_sums.begin() + T, death_sums.begin() + 2 * T);
    setup.death_x = Eigen::Map<Eigen::VectorXd>(death_sums.data() + 2 * T, p);
    setup.death_offset = death_sums[static_cast<std::size_t>(2 * T + p)];

    comm.allreduce(per_stratum);
    setup.stratum_has_rows.resize(static_cast<std::size_t>(n_strata));
    for (int s = 0; s < n_strata; ++s) setup.stratum_has_rows[static_cast<std::size_t>(s)] = per_stratum[static_cast<std::size_t>(s)] > 0;
    // The frame's per-row response vectors are in `rows` or no longer needed: freed before the
    // fit (and before rows move between ranks), which lowers the peak memory by 12-20 bytes a row.
    // Where the rows move next, the stop times' storage becomes the move's send buffer instead.
    if (reorder) f.stop = Eigen::VectorXd();
    else rows.spare = std::move(f.stop);  // distribute_by_time's send buffer, its pages already in memory
    rows.spare_index = std::move(spare_index);
    f.start = Eigen::VectorXd();
    std::vector<std::int32_t>().swap(f.strata);  // a row's stratum is now that of its bins
    return rows;
}

}  // namespace kohort
