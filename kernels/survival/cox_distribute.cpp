#include "kernels/survival/cox_distribute.hpp"

#include <algorithm>

#include <cstring>
#include <type_traits>

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

Plan make_plan(const Comm& comm, const std::vector<std::vector<Eigen::Index>>& lists) {
    Plan plan;
    for (const auto& l : lists) {
        plan.order.insert(plan.order.end(), l.begin(), l.end());
        plan.scounts.push_back(static_cast<std::int64_t>(l.size()));
    }
    plan.rcounts = comm.alltoall_counts(plan.scounts);
    return plan;
}

// Sends get(i) for the plan's rows into recv (plan.received() elements): in source-rank order and,
// within a source, in that rank's row order, so the result is the same on every run. `buf` is the
// send buffer, reused from column to column (fresh pages cost more than the copy on this VM).
template <typename T, typename Get>
void send_rows(const Comm& comm, const Plan& plan, std::vector<T>& buf, T* recv, Get get) {
    buf.resize(plan.order.size());
    for (std::size_t k = 0; k < plan.order.size(); ++k) buf[k] = get(plan.order[k]);
    comm.alltoallv(buf.data(), plan.scounts, recv, plan.rcounts);
}

// Replaces a per-row vector by its exchanged version: owned rows in exit order (dest gives each
// received row's place), then the entry replicas (if any) in arrival order. Everything is gathered
// before the vector is overwritten, and the vector keeps its storage when it does not grow.
template <typename V>
void exchange_vector(const Comm& comm, const Plan& owned, const Plan* replicas, const std::vector<std::int64_t>& dest,
                     V& v) {
    using T = std::decay_t<decltype(v[0])>;
    auto get = [&](Eigen::Index i) { return v[static_cast<std::size_t>(i)]; };
    std::vector<T> buf, got(static_cast<std::size_t>(owned.received())), rep;
    send_rows(comm, owned, buf, got.data(), get);
    if (replicas) {
        rep.resize(static_cast<std::size_t>(replicas->received()));
        send_rows(comm, *replicas, buf, rep.data(), get);
    }
    if constexpr (std::is_base_of_v<Eigen::PlainObjectBase<V>, V>)
        v.conservativeResize(static_cast<Eigen::Index>(got.size() + rep.size()));  // Eigen: resize would drop values
    else
        v.resize(got.size() + rep.size());
    for (std::size_t k = 0; k < got.size(); ++k) v[static_cast<std::size_t>(dest[k])] = got[k];
    std::copy(rep.begin(), rep.end(), v.data() + got.size());
}

// Exchanges X one column at a time inside its own storage (fresh pages cost about 2 s/GB on this
// VM, more than the exchange itself). The n x p block is viewed as one row (Eigen reallocates a
// column-major matrix in place only when its rows stay the same) of total x p elements: kept when
// it shrinks, grown by realloc otherwise. Every rank exchanges the columns in the same order,
// 0 .. p-1. Shrinking, new column j lies within old columns 0..j; growing, the old columns are
// first moved to the new column starts (from the last, memmove), so new column j overlaps only
// old column j. A column is gathered and sent before it is overwritten.
void exchange_columns(const Comm& comm, const Plan& owned, const Plan* replicas, const std::vector<std::int64_t>& dest,
                      Eigen::MatrixXd& X) {
    const Eigen::Index n = X.rows(), p = X.cols();
    const auto m = static_cast<std::size_t>(owned.received());
    const std::size_t total = m + (replicas ? static_cast<std::size_t>(replicas->received()) : 0);
    const bool grows = total > static_cast<std::size_t>(n);
    X.resize(1, n * p);  // same number of coefficients: documented to keep the values
    const std::size_t old_stride = grows ? total : static_cast<std::size_t>(n);
    if (grows) {
        X.conservativeResize(1, static_cast<Eigen::Index>(total) * p);
        for (Eigen::Index j = p - 1; j > 0; --j)
            std::memmove(X.data() + static_cast<std::size_t>(j) * total, X.data() + static_cast<std::size_t>(j) * static_cast<std::size_t>(n),
                         static_cast<std::size_t>(n) * sizeof(double));
    }
    double* data = X.data();
    std::vector<double> buf, got(m), rep(total - m);
    for (Eigen::Index j = 0; j < p; ++j) {
        const double* old = data + static_cast<std::size_t>(j) * old_stride;
        auto get = [&](Eigen::Index i) { return old[i]; };
        send_rows(comm, owned, buf, got.data(), get);
        if (replicas) send_rows(comm, *replicas, buf, rep.data(), get);
        double* col = data + static_cast<std::size_t>(j) * total;
        for (std::size_t k = 0; k < m; ++k) col[dest[k]] = got[k];
        std::copy(rep.begin(), rep.end(), col + m);
    }
    if (!grows) X.conservativeResize(1, static_cast<Eigen::Index>(total) * p);
    X.resize(static_cast<Eigen::Index>(total), p);  // same number of coefficients again
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
    std::vector<std::int64_t> count(static_cast<std::size_t>(bins.size()), 0);
    for (Eigen::Index i = 0; i < rows.n_owned(); ++i) {
        const auto k = static_cast<std::size_t>(i);
        if (rows.last_bin[k] < 0) continue;
        ++count[static_cast<std::size_t>(rows.last_bin[k])];
        if (rows.counting_process && rows.first_bin[k] > bins.begin(rows.stratum[k]))
            ++count[static_cast<std::size_t>(rows.first_bin[k] - 1)];
    }
    comm.allreduce(count);
    return cut_by_rows(count, comm.size());
}

std::int64_t distribute_by_time(CoxRows& rows, const EventTimeIndex& bins, const TimeRanges& ranges,
                                const Comm& comm) {
    const auto P = static_cast<std::size_t>(comm.size());
    const int me = comm.rank();
    // One rank owns every bin: the rows are already in exit order for [0, T), nothing moves.
    if (P == 1) return 0;
    const std::int64_t lo = ranges.cut[static_cast<std::size_t>(me)];
    const std::int64_t hi = ranges.cut[static_cast<std::size_t>(me) + 1];

    // Where each row goes: its exit bin's owner (rows never at risk stay), and for a late entry
    // whose entry bin another rank owns, a replica to that rank.
    std::vector<std::vector<Eigen::Index>> to(P), replica_to(P);
    std::int64_t sent = 0;
    for (Eigen::Index i = 0; i < rows.n_owned(); ++i) {
        const auto k = static_cast<std::size_t>(i);
        const std::int64_t last = rows.last_bin[k];
        const int dest = last >= 0 ? ranges.owner(last) : me;
        to[static_cast<std::size_t>(dest)].push_back(i);
        sent += dest != me;
        if (rows.counting_process && last >= 0 && rows.first_bin[k] > bins.begin(rows.stratum[k])) {
            const int entry = ranges.owner(rows.first_bin[k] - 1);
            if (entry != dest) {
                replica_to[static_cast<std::size_t>(entry)].push_back(i);
                sent += entry != me;
            }
        }
    }
    const Plan plan = make_plan(comm, to);
    const Plan replica_plan = rows.counting_process ? make_plan(comm, replica_to) : Plan{};
    const Plan* replicas = rows.counting_process ? &replica_plan : nullptr;
    const auto m = static_cast<Eigen::Index>(plan.received());

    // Exit order of the received rows, from their last bins and events (sent first).
    std::vector<std::int64_t> last(static_cast<std::size_t>(m)), ibuf;
    send_rows(comm, plan, ibuf, last.data(), [&](Eigen::Index i) { return rows.last_bin[static_cast<std::size_t>(i)]; });
    std::vector<std::int32_t> status(static_cast<std::size_t>(m)), sbuf;
    send_rows(comm, plan, sbuf, status.data(),
              [&](Eigen::Index i) { return static_cast<std::int32_t>(rows.event[static_cast<std::size_t>(i)]); });
    const std::vector<std::int64_t> dest = exit_order(last, status, lo, hi);

    exchange_columns(comm, plan, replicas, dest, rows.X);
    exchange_vector(comm, plan, replicas, dest, rows.weight);
    exchange_vector(comm, plan, replicas, dest, rows.offset);
    exchange_vector(comm, plan, replicas, dest, rows.first_bin);
    exchange_vector(comm, plan, replicas, dest, rows.stratum);
    if (rows.has_cluster) exchange_vector(comm, plan, nullptr, dest, rows.cluster);  // global flag: all ranks join
    const auto total = static_cast<std::size_t>(rows.X.rows());
    rows.last_bin.assign(total, -1);  // replicas: in no exit group
    rows.event.assign(total, 0);
    for (std::size_t k = 0; k < dest.size(); ++k) {
        const auto d = static_cast<std::size_t>(dest[k]);
        rows.last_bin[d] = last[k];
        rows.event[d] = static_cast<std::int8_t>(status[k]);
    }
    rows.replicas = rows.X.rows() - m;
    rows.bin_begin = lo;
    rows.bin_end = hi;
    build_groups(rows, bins);
    return sent;
}

}  // namespace kohort
