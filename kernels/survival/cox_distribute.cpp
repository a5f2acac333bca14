#include "kernels/survival/cox_distribute.hpp"

#include <algorithm>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

#include "core/error.hpp"
#include "kernels/survival/row_windows.hpp"
#include "store/address_room.hpp"
#include "store/prefault.hpp"

namespace kohort {
namespace {

// Who sends which rows where: the local rows grouped by destination rank (order), how many go to
// each rank and how many arrive from each. The same for every column, so counted once.
struct Plan {
    std::vector<Eigen::Index> order;
    std::vector<std::int64_t> scounts, rcounts;
    std::int64_t received() const {
        std::int64_t n = 0;
        for (std::int64_t c : rcounts) n += c;
        return n;
    }
};

// Rows grouped by destination rank, ascending within each: a stable counting sort by destination.
// dest(i) is the rank row i goes to, or -1 where it is not sent; it is called twice per row.
template <typename Dest>
Plan make_plan(const Comm& comm, Eigen::Index rows, Dest dest) {
    Plan plan;
    const auto P = static_cast<std::size_t>(comm.size());
    plan.scounts.assign(P, 0);
    for (Eigen::Index i = 0; i < rows; ++i)
        if (const int d = dest(i); d >= 0) ++plan.scounts[static_cast<std::size_t>(d)];
    std::vector<std::int64_t> next(P, 0);
    for (std::size_t r = 1; r < P; ++r) next[r] = next[r - 1] + plan.scounts[r - 1];
    const auto sent = static_cast<std::size_t>(next[P - 1] + plan.scounts[P - 1]);
    reserve_prefaulted(plan.order, sent);
    plan.order.resize(sent);
    for (Eigen::Index i = 0; i < rows; ++i)
        if (const int d = dest(i); d >= 0) plan.order[static_cast<std::size_t>(next[static_cast<std::size_t>(d)]++)] = i;
    plan.rcounts = comm.alltoall_counts(plan.scounts);
    return plan;
}

// Sends get(i) for the plan's rows into recv (plan.received() elements): in source-rank order and,
// within a source, in that rank's row order, so the result is the same on every run. `buf` is the
// send buffer, reused from column to column (fresh pages cost more than the copy on this VM).
template <typename T, typename Get>
void pack_rows(const Plan& plan, std::vector<T>& buf, Get get) {  // the send half of send_rows
    buf.resize(plan.order.size());
    for (std::size_t k = 0; k < plan.order.size(); ++k) buf[k] = get(plan.order[k]);
}

template <typename T, typename Get>
void send_rows(const Comm& comm, const Plan& plan, std::vector<T>& buf, T* recv, Get get) {
    pack_rows(plan, buf, get);
    comm.alltoallv(buf.data(), plan.scounts, recv, plan.rcounts);
}

// How the owned rows move, worked out once and the same for every column: a two-pass radix sort
// (sender and receiver each do one pass), so that neither scatters into more than a few hundred
// places at once.
//
// Every receiver orders its rows by exit key (2 (bin - lo) for a death, one more for a censored
// row, 2 (hi - lo) for a row never at risk), within a key by source rank and within a source in the
// source's row order: the same on every run, and a stable sort of the received rows by key. Each
// row thus has a final position on its receiver, which the sender learns (plan_move). The
// receiver's positions fall into windows of W rows (row_windows.hpp). The sender packs its rows
// grouped by destination and, within a destination, by window, in row order within a window: some
// 500 windows in all rather than one run per exit key (7,000-22,000 at 4M rows), which is what
// made the one-pass scatter slow (docs/benchmarks-cox.md, "Rows move in two passes"). The
// receiver then puts each row at its place inside its window, W x 8 bytes of a column, which stays
// in the core's caches while the window's rows from every source arrive. Each row's place inside
// its window (fine_kept, fine_got) travels once, at plan time. A rank's rows for itself stay in
// its send buffer: only other ranks' rows pass through MPI.
struct Move {
    // The rows of one source that fall in one window of this rank: `length` of them from `from`
    // in the source's block (of the receive buffer, or of the send buffer for this rank's own).
    struct Segment {
        int source;
        std::int64_t from, length;
    };
    int self = 0;
    // Local row -> its place in the send buffer. 4 bytes rather than 8: the pack reads this once per
    // column (docs/benchmarks-cox.md); a rank holds fewer than 2^31 rows (distribute_by_time checks).
    Eigen::VectorXi place;
    std::vector<std::int64_t> send_begin, scounts;  // per destination (own: kept, not sent)
    std::vector<std::int64_t> recv_begin, rcounts;  // per source, in the receive buffer (own: 0)
    std::int64_t kept_begin = 0;                    // the rows this rank keeps, in its send buffer
    std::vector<std::int64_t> rows_per_key;         // the rows this rank holds under each of its 2 (hi - lo) + 1 keys
    std::int64_t window_size = 1;                   // W, rows
    std::vector<std::vector<Segment>> windows;      // per window of this rank: its segments, sources in rank order
    // Each held row's place inside its window, in arrival order: the rows kept from the send
    // buffer (fine_kept), and the receive buffer's (fine_got).
    std::vector<std::int32_t> fine_kept, fine_got;
    std::int64_t received = 0;  // the rows this rank holds after the move
    std::int64_t remote() const { return recv_begin.empty() ? 0 : recv_begin.back() + rcounts.back(); }
};

// Consumes rows.last_bin (each row's slot, then its window and place inside it, are written over
// its exit bin; then the vector is freed) and rows.spare_index, which becomes Move::place: the
// plan's only fresh memory for rows is the places inside windows (4 bytes a row).
Move plan_move(CoxRows& rows, const TimeRanges& ranges, const Comm& comm, std::int64_t most_rows_on_a_rank) {
    const int P = comm.size(), me = comm.rank();
    const auto up = static_cast<std::size_t>(P);
    const auto& cut = ranges.cut;
    // Rank d's keys are the slots 2 lo_d + d .. 2 hi_d + d (its never-at-risk key last), so all
    // ranks' slots follow one another in rank order and one count per slot serves every rank.
    auto first_slot = [&](int d) { return 2 * cut[static_cast<std::size_t>(d)] + d; };
    const std::int64_t never_at_risk = first_slot(me + 1) - 1;
    const auto n = static_cast<std::size_t>(rows.n_owned());
    Move mv;
    mv.self = me;
    // A death's slot per bin (a censored row's is the next): 2 bin + the bin's owner, from one walk
    // over the ranges rather than a search per row.
    std::vector<std::int64_t> death_slot(static_cast<std::size_t>(cut.back()));
    for (int d = 0; d < P; ++d)
        for (std::int64_t b = cut[static_cast<std::size_t>(d)]; b < cut[static_cast<std::size_t>(d) + 1]; ++b)
            death_slot[static_cast<std::size_t>(b)] = 2 * b + d;
    std::vector<std::int64_t> count(static_cast<std::size_t>(first_slot(P)), 0);
    std::vector<std::int64_t> slot_of;
    slot_of.swap(rows.last_bin);  // rows.last_bin is left empty
    for (std::size_t k = 0; k < n; ++k) {
        const std::int64_t last = slot_of[k];
        const std::int64_t slot = last < 0 ? never_at_risk : death_slot[static_cast<std::size_t>(last)] + 1 - rows.event[k];
        slot_of[k] = slot;
        ++count[static_cast<std::size_t>(slot)];
    }

    // Each receiver learns how many rows each source puts under each of its keys, and answers
    // where the first of them goes in its final order: keys in order, sources in rank order.
    std::vector<std::int64_t> slots(up), keys_from(up);
    for (int d = 0; d < P; ++d) slots[static_cast<std::size_t>(d)] = first_slot(d + 1) - first_slot(d);
    const std::int64_t keys = slots[static_cast<std::size_t>(me)];
    const auto K = static_cast<std::size_t>(keys);
    keys_from.assign(up, keys);
    std::vector<std::int64_t> per_key(up * K);  // [source][key]
    comm.alltoallv(count.data(), slots, per_key.data(), keys_from);
    mv.rows_per_key.assign(K, 0);
    std::vector<std::int64_t> first_position(up * K);  // [source][key], on this rank
    {
        std::int64_t next = 0;
        for (std::size_t key = 0; key < K; ++key)
            for (std::size_t s = 0; s < up; ++s) {
                first_position[s * K + key] = next;
                next += per_key[s * K + key];
                mv.rows_per_key[key] += per_key[s * K + key];
            }
        mv.received = next;
    }
    std::vector<std::int64_t> position(count.size());  // per slot: this rank's next row's final position there
    comm.alltoallv(first_position.data(), keys_from, position.data(), slots);
    std::vector<std::int64_t>().swap(first_position);
    const std::vector<std::int64_t> held = comm.allgather_int64(mv.received);

    // Windows: the sender's groups, each destination's in order.
    mv.window_size = window_rows(P, most_rows_on_a_rank);
    const std::int64_t W = mv.window_size;
    const WindowOf window_of(W);
    std::vector<std::int64_t> first_window(up + 1, 0);  // per destination, in the sender's list
    for (std::size_t d = 0; d < up; ++d) first_window[d + 1] = first_window[d] + (held[d] + W - 1) / W;
    std::vector<std::int64_t> window_count(static_cast<std::size_t>(first_window[up]), 0);
    std::vector<std::int32_t> destination_of_slot(count.size());
    for (int d = 0; d < P; ++d)
        for (std::int64_t sl = first_slot(d); sl < first_slot(d + 1); ++sl) destination_of_slot[static_cast<std::size_t>(sl)] = d;
    // Each row's window (in the sender's list) and place inside it, written over its slot as
    // window x 2^32 + place: both fit in 32 bits (a place is below W < 2^30, window_rows).
    for (std::size_t k = 0; k < n; ++k) {
        const auto sl = static_cast<std::size_t>(slot_of[k]);
        const std::int64_t pos = position[sl]++;
        const std::int64_t w = window_of(pos);
        const std::int64_t window = first_window[static_cast<std::size_t>(destination_of_slot[sl])] + w;
        slot_of[k] = (window << 32) | (pos - w * W);
        ++window_count[static_cast<std::size_t>(window)];
    }
    std::vector<std::int32_t>().swap(destination_of_slot);
    std::vector<std::int64_t>().swap(position);
    // The send buffer: destinations in order, windows in order within each, rows in order within a
    // window. place is each row's index there; the places inside windows go to the receivers once.
    std::vector<std::int64_t> next(window_count.size());
    {
        std::int64_t at = 0;
        for (std::size_t i = 0; i < window_count.size(); ++i) next[i] = std::exchange(at, at + window_count[i]);
    }
    mv.scounts.assign(up, 0);
    mv.send_begin.assign(up, 0);
    for (std::size_t d = 0; d < up; ++d) {
        if (d > 0) mv.send_begin[d] = mv.send_begin[d - 1] + mv.scounts[d - 1];
        for (std::int64_t i = first_window[d]; i < first_window[d + 1]; ++i) mv.scounts[d] += window_count[static_cast<std::size_t>(i)];
    }
    mv.place.swap(rows.spare_index);
    if (static_cast<std::size_t>(mv.place.size()) != n) mv.place.resize(static_cast<Eigen::Index>(n));
    std::vector<std::int32_t> fine_send(n);
    for (std::size_t k = 0; k < n; ++k) {
        const auto at = static_cast<int>(next[static_cast<std::size_t>(slot_of[k] >> 32)]++);
        mv.place(static_cast<Eigen::Index>(k)) = at;
        fine_send[static_cast<std::size_t>(at)] = static_cast<std::int32_t>(slot_of[k] & 0xffffffff);
    }
    std::vector<std::int64_t>().swap(slot_of);

    // Each receiver learns how many rows each source puts in each of its windows: its segments.
    std::vector<std::int64_t> windows_of(up), windows_here(up);
    for (std::size_t d = 0; d < up; ++d) windows_of[d] = first_window[d + 1] - first_window[d];
    const std::int64_t my_windows = windows_of[static_cast<std::size_t>(me)];
    windows_here.assign(up, my_windows);
    std::vector<std::int64_t> per_window(up * static_cast<std::size_t>(my_windows));  // [source][window]
    comm.alltoallv(window_count.data(), windows_of, per_window.data(), windows_here);
    mv.rcounts.assign(up, 0);
    std::vector<std::int64_t> from(up, 0);
    mv.windows.resize(static_cast<std::size_t>(my_windows));
    for (std::int64_t w = 0; w < my_windows; ++w)
        for (std::size_t s = 0; s < up; ++s)
            if (const std::int64_t len = per_window[s * static_cast<std::size_t>(my_windows) + static_cast<std::size_t>(w)]) {
                mv.windows[static_cast<std::size_t>(w)].push_back({static_cast<int>(s), from[s], len});
                from[s] += len;
            }
    for (std::size_t s = 0; s < up; ++s) mv.rcounts[s] = from[s];
    // Own rows stay in the send buffer: out of the exchange on both sides.
    mv.kept_begin = mv.send_begin[static_cast<std::size_t>(me)];
    const std::int64_t kept = mv.scounts[static_cast<std::size_t>(me)];
    mv.scounts[static_cast<std::size_t>(me)] = 0;
    mv.rcounts[static_cast<std::size_t>(me)] = 0;
    mv.recv_begin.assign(up, 0);
    for (std::size_t s = 1; s < up; ++s) mv.recv_begin[s] = mv.recv_begin[s - 1] + mv.rcounts[s - 1];
    // The places inside windows, once: the received rows' through MPI, the kept rows' copied.
    mv.fine_got.resize(static_cast<std::size_t>(mv.remote()));
    comm.alltoallv(fine_send.data(), mv.send_begin, mv.scounts, mv.fine_got.data(), mv.rcounts);
    mv.fine_kept.assign(fine_send.begin() + mv.kept_begin, fine_send.begin() + mv.kept_begin + kept);
    return mv;
}

// The send half for one per-row quantity: get(i) for every owned row, at its place.
template <typename T, typename Get>
void pack_for_move(const Move& mv, std::vector<T>& buf, Get get) {
    buf.resize(static_cast<std::size_t>(mv.place.size()));
    T* b = buf.data();
    const int* place = mv.place.data();
    for (Eigen::Index k = 0; k < mv.place.size(); ++k) b[place[k]] = get(k);
}

// The rest: other ranks' rows through MPI into got (room for mv.remote() values), then every
// window's rows put at their places in out (mv.received values), through f.
template <typename T, typename F = std::identity>
void exchange_and_lay_out(const Comm& comm, const Move& mv, const T* buf, T* got, T* out, F f = {}) {
    comm.alltoallv(buf, mv.send_begin, mv.scounts, got, mv.rcounts);
    const std::int64_t W = mv.window_size;
    for (std::size_t w = 0; w < mv.windows.size(); ++w) {
        T* window = out + static_cast<std::int64_t>(w) * W;
        for (const Move::Segment& seg : mv.windows[w]) {
            const bool own = seg.source == mv.self;
            const std::int64_t block = own ? 0 : mv.recv_begin[static_cast<std::size_t>(seg.source)];  // in got
            const T* src = (own ? buf + mv.kept_begin : got + block) + seg.from;
            const std::int32_t* at = (own ? mv.fine_kept.data() : mv.fine_got.data() + block) + seg.from;
            place_in_window(src, at, seg.length, window, f);
        }
    }
}

// A per-row vector after the move: owned rows in exit order, then the entry replicas (if any) in
// arrival order.
template <typename T, typename Get>
std::vector<T> move_vector(const Comm& comm, const Move& mv, const Plan* replicas, Get get) {
    std::vector<T> buf, got(static_cast<std::size_t>(mv.remote()));
    std::vector<T> out(static_cast<std::size_t>(mv.received + (replicas ? replicas->received() : 0)));
    pack_for_move(mv, buf, get);
    exchange_and_lay_out(comm, mv, buf.data(), got.data(), out.data());
    if (replicas) send_rows(comm, *replicas, buf, out.data() + mv.received, get);
    return out;
}

}  // namespace

int TimeRanges::owner(std::int64_t bin) const {
    // cut is ascending; the owner is the last r with cut[r] <= bin (empty ranges are skipped).
    const auto it = std::upper_bound(cut.begin(), cut.end() - 1, bin);
    return static_cast<int>(it - cut.begin()) - 1;
}

TimeRanges cut_by_rows(const std::vector<std::int64_t>& count_per_bin, int ranks) {
    const auto T = static_cast<std::int64_t>(count_per_bin.size());
    std::int64_t total = 0;
    for (std::int64_t c : count_per_bin) total += c;
    TimeRanges out;
    out.cut.assign(static_cast<std::size_t>(ranks) + 1, T);
    out.cut[0] = 0;
    // Rank r starts at the first bin b with (rows in bins < b) * ranks >= r * total: integers only,
    // so every rank gets the same cut.
    std::int64_t before = 0;
    int r = 1;
    for (std::int64_t b = 0; b < T && r < ranks; ++b) {
        while (r < ranks && before * ranks >= static_cast<std::int64_t>(r) * total) out.cut[static_cast<std::size_t>(r++)] = b;
        before += count_per_bin[static_cast<std::size_t>(b)];
    }
    return out;
}

TimeRanges plan_time_ranges(const CoxRows& rows, const EventTimeIndex& bins, const Comm& comm) {
    if (comm.size() == 1) return TimeRanges{{0, bins.size()}};
    std::vector<std::int64_t> count = rows.terms_per_bin;  // counted by prepare_cox_rows
    if (count.size() != static_cast<std::size_t>(bins.size()))
        throw std::logic_error("plan_time_ranges: rows without their terms per bin (prepare_cox_rows with reorder = false)");
    comm.allreduce(count);
    return cut_by_rows(count, comm.size());
}

void distribute_by_time(CoxRows& rows, CoxSetup& setup, const TimeRanges& ranges, const Comm& comm,
                        const std::string& what) {
    const EventTimeIndex& bins = setup.bins;
    const bool unit_weights = !setup.has_weights, zero_offset = !setup.has_offset;
    const auto P = static_cast<std::size_t>(comm.size());
    const int me = comm.rank();
    // One rank owns every bin: the rows are already in exit order for [0, T), nothing moves.
    if (P == 1) return;
    // A row's place in the move is a 4-byte index (Move::place): every rank learns whether one rank
    // holds more rows than that, so all throw the same error together.
    const std::int64_t most_rows = comm.allreduce(static_cast<std::int64_t>(rows.n_owned()), ReduceOp::max);
    if (most_rows > std::numeric_limits<int>::max())
        throw UsageError(what + ": a rank holds more than " + std::to_string(std::numeric_limits<int>::max()) +
                         " rows, more than moving rows by event time supports; run with more ranks, or set "
                         "communication = allreduce in the model's section");
    const std::int64_t lo = ranges.cut[static_cast<std::size_t>(me)];
    const std::int64_t hi = ranges.cut[static_cast<std::size_t>(me) + 1];

    // Vectors that are one constant on every rank are not sent: unit weights and a zero offset are
    // left empty (CoxRows::weight_of, offset_of). Freed first, so that the buffers of the move reuse
    // their pages. (No strata are kept: a row's stratum is that of its bins.)
    if (unit_weights) rows.weight = Eigen::VectorXd();
    if (zero_offset) rows.offset = Eigen::VectorXd();

    // Where each row goes: its exit bin's owner (rows never at risk stay), and for a late entry
    // whose entry bin another rank owns, a replica to that rank.
    auto destination = [&](Eigen::Index i) {
        const std::int64_t last = rows.last_bin[static_cast<std::size_t>(i)];
        return last >= 0 ? ranges.owner(last) : me;
    };
    auto replica_destination = [&](Eigen::Index i) {
        const auto k = static_cast<std::size_t>(i);
        // An at-risk row has first_bin >= 0, in its stratum.
        if (rows.last_bin[k] < 0 || rows.first_bin[k] <= bins.begin(bins.stratum_of(rows.first_bin[k]))) return -1;
        const int entry = ranges.owner(rows.first_bin[k] - 1);
        return entry != destination(i) ? entry : -1;
    };
    const Plan replica_plan = rows.counting_process ? make_plan(comm, rows.n_owned(), replica_destination) : Plan{};
    const Plan* replicas = rows.counting_process ? &replica_plan : nullptr;
    const Move move = plan_move(rows, ranges, comm, most_rows);  // the exit bins become the places

    const Eigen::Index m = move.received;
    const Eigen::Index total_rows = m + (replicas ? static_cast<Eigen::Index>(replicas->received()) : 0);

    // Covariates one column at a time, within the old matrix's memory: the new matrix (total_rows
    // x p) is laid out in the same storage as the old one (n x p), new column j at j x total_rows.
    // Every rank moves the columns in the same order, first to last (each step is one collective
    // for column j), and packs old column j before new column j is written. When total_rows <= n,
    // new column j ends before old column j + 1 begins, so the only old column it overlaps is its
    // own. When it is larger (a rank that receives more rows than it had), the storage grows in
    // place and new column j also covers the first (j + 1) x growth values of old column j + 1:
    // those few are kept aside just before it is written, and packed from there at the next step.
    // Where the growth is too large for that ((p - 1) x growth > n), the old columns are spread to
    // the starts of their new places first instead (one copy of the matrix, last column first).
    // So no second matrix is allocated: on this VM a page the process has not touched lately costs
    // a fault through the hypervisor (docs/benchmarks-cox.md), and the peak memory stays one matrix.
    const Eigen::Index n = rows.X.rows(), p = rows.p;
    const bool grows = total_rows > n;
    const Eigen::Index growth = grows ? total_rows - n : 0;
    const bool spread = grows && (p - 1) * growth > n;
    // X's storage grows in place where the frame held the address space above it (AddressRoom):
    // given back just before, so that realloc can extend the block instead of moving it.
    rows.x_room.release();
    if (grows) resize_storage(rows.X, total_rows * p);
    if (spread) {
        double* x = rows.X.data();
        for (Eigen::Index j = p - 1; j > 0; --j)
            std::memmove(x + j * total_rows, x + j * n, static_cast<std::size_t>(n) * sizeof(double));
    }
    const Eigen::Index old_stride = spread ? total_rows : n;  // where old column j starts: j x old_stride
    const bool keeps_heads = grows && !spread;
    std::vector<double> head, next_head;  // the kept first j x growth values of old column j
    // X arrives as the frame's values (prepare_cox_rows with reorder = false). Each column is read
    // once: its values are packed as they are, and the same read sums the absolute deviations and
    // the deaths' values (column_deviations), from which one small allreduce gives the column's
    // scale; the values are centred and scaled as they are laid out.
    // The send buffer is the frame's stop times' memory (CoxRows::spare), read for the last time
    // before the move: its pages are in memory, where a fresh buffer's first writes fault through
    // the hypervisor on this VM (docs/benchmarks-cox.md: a fresh send and receive buffer took
    // 0.016-0.020 s per rank to allocate at 2M rows).
    Eigen::VectorXd send = std::move(rows.spare);
    if (send.size() != static_cast<Eigen::Index>(move.place.size())) send.resize(static_cast<Eigen::Index>(move.place.size()));
    std::vector<double> replica_buf;
    // The receive buffer, faulted in at once and not zeroed: its first writes, by MPI in the first
    // column's exchange, made that column's exchange and layout take 0.017-0.019 s per rank at 2M
    // rows against 0.0015-0.0022 s for each later column (traced, heavy ties).
    const auto remote = static_cast<std::size_t>(move.remote());
    std::unique_ptr<double[]> got = std::make_unique_for_overwrite<double[]>(remote);
    prefault_bytes(got.get(), remote * sizeof(double));
    const double* w = unit_weights ? nullptr : rows.weight.data();
    double local_sums[2];
    for (Eigen::Index j = 0; j < p; ++j) {
        const auto cj = static_cast<int>(j);
        const double* in = rows.X.data() + j * old_stride;
        const Eigen::Index kept = keeps_heads ? j * growth : 0;  // values of old column j in `head`
        const int* place = move.place.data();
        double* b = send.data();
        // Rows [from, from + count) of old column j, whose values start at x.
        auto pack = [&](const double* x, Eigen::Index from, Eigen::Index count) {
            return column_deviations(w ? w + from : nullptr, rows.event.data() + from, x, setup.means(j), count,
                                     [&](Eigen::Index i, double v) { b[place[from + i]] = v; });
        };
        ColumnDeviations dev = pack(in + kept, kept, n - kept);
        if (kept > 0) {
            const ColumnDeviations first = pack(head.data(), 0, kept);
            dev.absolute += first.absolute;
            dev.deaths += first.deaths;
        }
        local_sums[0] = setup.constant[static_cast<std::size_t>(j)] ? 0.0 : dev.absolute;
        local_sums[1] = setup.constant[static_cast<std::size_t>(j)] ? 0.0 : dev.deaths;
        comm.allreduce(local_sums, 2);
        setup.scale(j) = setup.scale_from(local_sums[0]);
        setup.death_x(j) = setup.scale(j) * local_sums[1];
        const StandardiseColumn z = setup.standardiser(cj);
        if (replicas) pack_rows(*replicas, replica_buf, [&](Eigen::Index i) { return z(i < kept ? head[static_cast<std::size_t>(i)] : in[i]); });
        if (keeps_heads && j + 1 < p) {  // new column j is about to cover these values of old column j + 1
            const double* next = rows.X.data() + (j + 1) * n;
            next_head.assign(next, next + (j + 1) * growth);
        }
        double* col = rows.X.data() + j * total_rows;
        exchange_and_lay_out(comm, move, send.data(), got.get(), col, z);
        if (replicas) comm.alltoallv(replica_buf.data(), replicas->scounts, col + m, replicas->rcounts);
        head.swap(next_head);
    }
    if (!grows) resize_storage(rows.X, total_rows * p);
    rows.X.resize(total_rows, p);  // the same size: a reshape
    send = Eigen::VectorXd();  // before the vectors below are allocated
    std::vector<double>().swap(replica_buf);
    got.reset();

    // The rows' exit bins and events in their new order are their keys: the groups, from the
    // rows under each key, replace them (entry replicas, after the owned rows, are in none).
    std::vector<std::int8_t>().swap(rows.event);

    // The other per-row vectors, except those that are the same constant on every rank (unit
    // weights, no offset, right-censored entry bins), which are not sent. The strata are not sent
    // either: a row's stratum is its exit (or entry) bin's.
    auto to_eigen = [](const std::vector<double>& v) { return Eigen::VectorXd(Eigen::Map<const Eigen::VectorXd>(v.data(), static_cast<Eigen::Index>(v.size()))); };
    if (!unit_weights) rows.weight = to_eigen(move_vector<double>(comm, move, replicas, [&](Eigen::Index i) { return rows.weight(i); }));
    if (!zero_offset) rows.offset = to_eigen(move_vector<double>(comm, move, replicas, [&](Eigen::Index i) { return rows.offset(i); }));
    if (rows.counting_process)
        rows.first_bin = move_vector<std::int64_t>(comm, move, replicas, [&](Eigen::Index i) { return rows.first_bin[static_cast<std::size_t>(i)]; });
    if (rows.has_cluster)  // a global flag: every rank takes part in the exchange
        rows.cluster = move_vector<std::int64_t>(comm, move, nullptr, [&](Eigen::Index i) { return rows.cluster[static_cast<std::size_t>(i)]; });
    if (!rows.counting_process) std::vector<std::int64_t>().swap(rows.first_bin);  // at risk from the stratum's first bin
    rows.replicas = rows.X.rows() - m;
    rows.bin_begin = lo;
    rows.bin_end = hi;
    std::vector<std::int64_t>().swap(rows.terms_per_bin);  // input order only
    set_groups_from_key_counts(rows, move.rows_per_key, lo, bins);
}

}  // namespace kohort
