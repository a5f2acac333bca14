#include "kernels/survival/cox_distribute.hpp"

#include <algorithm>

#include "store/prefault.hpp"

namespace kohort {
namespace {

// Sends get(i) for the rows lists[r] to rank r; returns what arrived, in source-rank order and,
// within a source, in that rank's row order (so the result is the same on every run).
template <typename T, typename Get>
std::vector<T> route(const Comm& comm, const std::vector<std::vector<Eigen::Index>>& lists, Get get) {
    std::vector<std::vector<T>> send(lists.size());
    for (std::size_t r = 0; r < lists.size(); ++r) {
        send[r].reserve(lists[r].size());
        for (Eigen::Index i : lists[r]) send[r].push_back(get(i));
    }
    return comm.alltoallv(send);
}

// The rows a rank keeps after the exchange: owned rows in exit order (dest gives each received
// row's place), then the entry replicas in arrival order.
template <typename T, typename Get>
std::vector<T> exchange_vector(const Comm& comm, const std::vector<std::vector<Eigen::Index>>& owned,
                               const std::vector<std::vector<Eigen::Index>>* replicas,
                               const std::vector<std::int64_t>& dest, Get get) {
    const std::vector<T> got = route<T>(comm, owned, get);
    std::vector<T> out(got.size());
    for (std::size_t k = 0; k < got.size(); ++k) out[static_cast<std::size_t>(dest[k])] = got[k];
    if (replicas) {
        const std::vector<T> rep = route<T>(comm, *replicas, get);
        out.insert(out.end(), rep.begin(), rep.end());
    }
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
    const auto* replicas = rows.counting_process ? &replica_to : nullptr;

    // Exit order of the received rows, from their last bins and events (sent first).
    const std::vector<std::int64_t> last = route<std::int64_t>(comm, to, [&](Eigen::Index i) { return rows.last_bin[static_cast<std::size_t>(i)]; });
    const std::vector<std::int32_t> status = route<std::int32_t>(comm, to, [&](Eigen::Index i) {
        return static_cast<std::int32_t>(rows.event[static_cast<std::size_t>(i)]);
    });
    const std::vector<std::int64_t> dest = exit_order(last, status, lo, hi);
    const auto m = static_cast<Eigen::Index>(last.size());

    // Covariates one column at a time: the exchange buffers hold one column, not all of X.
    Eigen::MatrixXd X;
    for (int j = 0; j < rows.p; ++j) {
        std::vector<double> col = exchange_vector<double>(comm, to, replicas, dest, [&](Eigen::Index i) { return rows.X(i, j); });
        if (j == 0) {
            X.resize(static_cast<Eigen::Index>(col.size()), rows.p);
            prefault_bytes(X.data(), col.size() * static_cast<std::size_t>(rows.p) * sizeof(double));
        }
        std::copy(col.begin(), col.end(), X.col(j).data());
    }
    if (rows.p == 0) X.resize(m, 0);

    auto to_eigen = [](const std::vector<double>& v) { return Eigen::VectorXd(Eigen::Map<const Eigen::VectorXd>(v.data(), static_cast<Eigen::Index>(v.size()))); };
    rows.weight = to_eigen(exchange_vector<double>(comm, to, replicas, dest, [&](Eigen::Index i) { return rows.weight(i); }));
    rows.offset = to_eigen(exchange_vector<double>(comm, to, replicas, dest, [&](Eigen::Index i) { return rows.offset(i); }));
    rows.first_bin = exchange_vector<std::int64_t>(comm, to, replicas, dest, [&](Eigen::Index i) { return rows.first_bin[static_cast<std::size_t>(i)]; });
    rows.stratum = exchange_vector<std::int32_t>(comm, to, replicas, dest, [&](Eigen::Index i) { return rows.stratum[static_cast<std::size_t>(i)]; });
    if (rows.has_cluster)  // a global flag: every rank takes part in the exchange
        rows.cluster = exchange_vector<std::int64_t>(comm, to, nullptr, dest, [&](Eigen::Index i) { return rows.cluster[static_cast<std::size_t>(i)]; });
    rows.X = std::move(X);
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
