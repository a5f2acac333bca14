#include "kernels/survival/cox_distribute.hpp"

#include <algorithm>

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
void pack_rows(const Plan& plan, std::vector<T>& buf, Get get) {  // the send half of send_rows
    buf.resize(plan.order.size());
    for (std::size_t k = 0; k < plan.order.size(); ++k) buf[k] = get(plan.order[k]);
}

template <typename T, typename Get>
void send_rows(const Comm& comm, const Plan& plan, std::vector<T>& buf, T* recv, Get get) {
    pack_rows(plan, buf, get);
    comm.alltoallv(buf.data(), plan.scounts, recv, plan.rcounts);
}

// A per-row vector after the exchange: owned rows in exit order (dest gives each received row's
// place), then the entry replicas (if any) in arrival order.
template <typename T, typename Get>
std::vector<T> exchange_vector(const Comm& comm, const Plan& owned, const Plan* replicas,
                               const std::vector<std::int64_t>& dest, Get get) {
    std::vector<T> buf, got(static_cast<std::size_t>(owned.received()));
    send_rows(comm, owned, buf, got.data(), get);
    std::vector<T> out(got.size() + (replicas ? static_cast<std::size_t>(replicas->received()) : 0));
    for (std::size_t k = 0; k < got.size(); ++k) out[static_cast<std::size_t>(dest[k])] = got[k];
    if (replicas) send_rows(comm, *replicas, buf, out.data() + got.size(), get);
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

void distribute_by_time(CoxRows& rows, const CoxSetup& setup, const TimeRanges& ranges, const Comm& comm) {
    const EventTimeIndex& bins = setup.bins;
    const bool unit_weights = !setup.has_weights, zero_offset = !setup.has_offset, one_stratum = bins.n_strata() == 1;
    const auto P = static_cast<std::size_t>(comm.size());
    const int me = comm.rank();
    // One rank owns every bin: the rows are already in exit order for [0, T), nothing moves.
    if (P == 1) return;
    const std::int64_t lo = ranges.cut[static_cast<std::size_t>(me)];
    const std::int64_t hi = ranges.cut[static_cast<std::size_t>(me) + 1];

    // Where each row goes: its exit bin's owner (rows never at risk stay), and for a late entry
    // whose entry bin another rank owns, a replica to that rank.
    std::vector<std::vector<Eigen::Index>> to(P), replica_to(P);
    for (Eigen::Index i = 0; i < rows.n_owned(); ++i) {
        const auto k = static_cast<std::size_t>(i);
        const std::int64_t last = rows.last_bin[k];
        const int dest = last >= 0 ? ranges.owner(last) : me;
        to[static_cast<std::size_t>(dest)].push_back(i);
        if (rows.counting_process && last >= 0 && rows.first_bin[k] > bins.begin(rows.stratum[k])) {
            const int entry = ranges.owner(rows.first_bin[k] - 1);
            if (entry != dest) replica_to[static_cast<std::size_t>(entry)].push_back(i);
        }
    }
    const Plan plan = make_plan(comm, to);
    const Plan replica_plan = rows.counting_process ? make_plan(comm, replica_to) : Plan{};
    const Plan* replicas = rows.counting_process ? &replica_plan : nullptr;
    const auto m = static_cast<Eigen::Index>(plan.received());
    const Eigen::Index total_rows = m + (replicas ? static_cast<Eigen::Index>(replicas->received()) : 0);

    // Exit order of the received rows, from their last bins and events (sent first).
    std::vector<std::int64_t> last(static_cast<std::size_t>(m)), ibuf;
    send_rows(comm, plan, ibuf, last.data(), [&](Eigen::Index i) { return rows.last_bin[static_cast<std::size_t>(i)]; });
    std::vector<std::int32_t> status(static_cast<std::size_t>(m)), sbuf;
    send_rows(comm, plan, sbuf, status.data(),
              [&](Eigen::Index i) { return static_cast<std::int32_t>(rows.event[static_cast<std::size_t>(i)]); });
    const std::vector<std::int64_t> dest = exit_order(last, status, lo, hi);

    // Covariates one column at a time, through buffers reused for every column. The new X is not
    // faulted in ahead: once a column of the old X is packed for sending, its pages go back to the
    // kernel, and the new X's column of the same index, written next, faults in on those pages
    // (store/prefault.hpp, release_pages). So the two matrices are never resident in full
    // together, and the new one does not pay for pages the process never touched.
    // What has been sent already (exit bins, events) or is refilled afterwards (the constants) is freed
    // before the columns move, so it is not resident beside both matrices.
    std::vector<std::int64_t>().swap(rows.last_bin);
    std::vector<std::int8_t>().swap(rows.event);
    std::vector<std::int64_t>().swap(ibuf);  // their send buffers too
    std::vector<std::int32_t>().swap(sbuf);
    if (unit_weights) rows.weight = Eigen::VectorXd();
    if (zero_offset) rows.offset = Eigen::VectorXd();
    if (one_stratum) std::vector<std::int32_t>().swap(rows.stratum);

    Eigen::MatrixXd X(total_rows, rows.p);
    std::vector<double> buf, replica_buf, got(static_cast<std::size_t>(m));
    for (int j = 0; j < rows.p; ++j) {
        auto xj = [&](Eigen::Index i) { return rows.X(i, j); };
        pack_rows(plan, buf, xj);
        if (replicas) pack_rows(*replicas, replica_buf, xj);
        release_pages(rows.X.col(j).data(), static_cast<std::size_t>(rows.X.rows()) * sizeof(double));
        comm.alltoallv(buf.data(), plan.scounts, got.data(), plan.rcounts);
        double* col = X.col(j).data();
        for (std::size_t k = 0; k < got.size(); ++k) col[dest[k]] = got[k];
        if (replicas) comm.alltoallv(replica_buf.data(), replicas->scounts, col + m, replicas->rcounts);
    }
    std::vector<double>().swap(buf);  // before the vectors below are allocated
    std::vector<double>().swap(replica_buf);
    std::vector<double>().swap(got);

    // The other per-row vectors, except those that are the same constant on every rank (unit
    // weights, no offset, one stratum, right-censored entry bins): those are refilled, not sent.
    auto to_eigen = [](const std::vector<double>& v) { return Eigen::VectorXd(Eigen::Map<const Eigen::VectorXd>(v.data(), static_cast<Eigen::Index>(v.size()))); };
    if (unit_weights) rows.weight = Eigen::VectorXd::Ones(total_rows);
    else rows.weight = to_eigen(exchange_vector<double>(comm, plan, replicas, dest, [&](Eigen::Index i) { return rows.weight(i); }));
    if (zero_offset) rows.offset = Eigen::VectorXd::Zero(total_rows);
    else rows.offset = to_eigen(exchange_vector<double>(comm, plan, replicas, dest, [&](Eigen::Index i) { return rows.offset(i); }));
    if (one_stratum) rows.stratum.assign(static_cast<std::size_t>(total_rows), 0);
    else rows.stratum = exchange_vector<std::int32_t>(comm, plan, replicas, dest, [&](Eigen::Index i) { return rows.stratum[static_cast<std::size_t>(i)]; });
    if (rows.counting_process)
        rows.first_bin = exchange_vector<std::int64_t>(comm, plan, replicas, dest, [&](Eigen::Index i) { return rows.first_bin[static_cast<std::size_t>(i)]; });
    if (rows.has_cluster)  // a global flag: every rank takes part in the exchange
        rows.cluster = exchange_vector<std::int64_t>(comm, plan, nullptr, dest, [&](Eigen::Index i) { return rows.cluster[static_cast<std::size_t>(i)]; });
    rows.X = std::move(X);
    const auto total = static_cast<std::size_t>(rows.X.rows());
    rows.last_bin.assign(total, -1);  // replicas: in no exit group
    rows.event.assign(total, 0);
    for (std::size_t k = 0; k < dest.size(); ++k) {
        const auto d = static_cast<std::size_t>(dest[k]);
        rows.last_bin[d] = last[k];
        rows.event[d] = static_cast<std::int8_t>(status[k]);
    }
    if (!rows.counting_process) {  // at risk from the stratum's first bin, as prepare_cox_rows set it
        rows.first_bin.resize(total);
        for (std::size_t k = 0; k < total; ++k)
            rows.first_bin[k] = rows.last_bin[k] < 0 ? -1 : bins.begin(rows.stratum[k]);
    }
    rows.replicas = rows.X.rows() - m;
    rows.bin_begin = lo;
    rows.bin_end = hi;
    build_groups(rows, bins);
}

}  // namespace kohort
