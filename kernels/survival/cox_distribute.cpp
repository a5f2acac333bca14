#include "kernels/survival/cox_distribute.hpp"

#include <algorithm>
#include <cstring>

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

// Gives a column-major matrix's storage room for `elements` values without moving its bytes:
// Eigen's conservativeResize copies when the row count changes, so the storage is viewed as one
// row, whose length realloc changes in place (glibc shrinks or grows a mapped block with mremap,
// which moves no data), and the caller reshapes it once the values are laid out.
void resize_storage(Eigen::MatrixXd& X, Eigen::Index elements) {
    X.resize(1, X.size());  // the same size: Eigen keeps the storage
    X.conservativeResize(1, elements);
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

    // Vectors that are one constant on every rank are refilled after the move, not sent: freed
    // first, so that the buffers of the move reuse their pages.
    if (unit_weights) rows.weight = Eigen::VectorXd();
    if (zero_offset) rows.offset = Eigen::VectorXd();
    if (one_stratum) std::vector<std::int32_t>().swap(rows.stratum);
    auto stratum_of = [&](std::size_t k) { return one_stratum ? 0 : rows.stratum[k]; };

    // Where each row goes: its exit bin's owner (rows never at risk stay), and for a late entry
    // whose entry bin another rank owns, a replica to that rank.
    auto destination = [&](Eigen::Index i) {
        const std::int64_t last = rows.last_bin[static_cast<std::size_t>(i)];
        return last >= 0 ? ranges.owner(last) : me;
    };
    auto replica_destination = [&](Eigen::Index i) {
        const auto k = static_cast<std::size_t>(i);
        if (rows.last_bin[k] < 0 || rows.first_bin[k] <= bins.begin(stratum_of(k))) return -1;
        const int entry = ranges.owner(rows.first_bin[k] - 1);
        return entry != destination(i) ? entry : -1;
    };
    Plan plan = make_plan(comm, rows.n_owned(), destination);
    const Plan replica_plan = rows.counting_process ? make_plan(comm, rows.n_owned(), replica_destination) : Plan{};
    const Plan* replicas = rows.counting_process ? &replica_plan : nullptr;
    const auto m = static_cast<Eigen::Index>(plan.received());
    const Eigen::Index total_rows = m + (replicas ? static_cast<Eigen::Index>(replicas->received()) : 0);

    // Exit order of the received rows, from their exit bins and events (sent first, as one code
    // per row). The bins and events take their new order right away, so the old vectors and the
    // buffers are freed before the columns move.
    std::vector<std::int64_t> codes(static_cast<std::size_t>(m)), cbuf;
    send_rows(comm, plan, cbuf, codes.data(), [&](Eigen::Index i) {
        const auto k = static_cast<std::size_t>(i);
        return exit_code(rows.last_bin[k], rows.event[k] != 0);
    });
    std::vector<std::int64_t>().swap(cbuf);
    std::vector<std::int64_t> dest = exit_order(codes, lo, hi);
    std::vector<std::int64_t>().swap(rows.last_bin);
    std::vector<std::int8_t>().swap(rows.event);
    rows.last_bin.assign(static_cast<std::size_t>(total_rows), -1);  // replicas: in no exit group
    rows.event.assign(static_cast<std::size_t>(total_rows), 0);
    for (std::size_t k = 0; k < dest.size(); ++k) {
        const auto d = static_cast<std::size_t>(dest[k]);
        rows.last_bin[d] = exit_code_bin(codes[k]);
        rows.event[d] = static_cast<std::int8_t>(exit_code_died(codes[k]) ? 1 : 0);
    }
    std::vector<std::int64_t>().swap(codes);

    // Covariates one column at a time, within the old matrix's memory: the new matrix (total_rows
    // x p) is laid out in the same storage as the old one (n x p), new column j at j x total_rows.
    // Every rank moves the columns in the same order, first to last (each step is one collective
    // for column j). When total_rows <= n, column j's new place ends before old column j + 1
    // begins. When it is larger, the storage grows first and the old columns are spread to the
    // starts of their new places (one copy, last column first). Either way the only old column a
    // new column overlaps is its own, which is packed for sending before its place is written. So
    // no second matrix is allocated: on this VM a page the process has not touched lately costs a
    // fault through the hypervisor (docs/benchmarks-cox.md), and the peak memory stays one matrix.

    const Eigen::Index n = rows.X.rows(), p = rows.p;
    const bool grows = total_rows > n;
    if (grows) {
        resize_storage(rows.X, total_rows * p);
        double* x = rows.X.data();
        for (Eigen::Index j = p - 1; j > 0; --j)
            std::memmove(x + j * total_rows, x + j * n, static_cast<std::size_t>(n) * sizeof(double));
    }
    const Eigen::Index old_stride = grows ? total_rows : n;  // where old column j starts: j x old_stride
    std::vector<double> buf, replica_buf, got(static_cast<std::size_t>(m));
    for (Eigen::Index j = 0; j < p; ++j) {
        // X arrives as the frame's values (prepare_cox_rows with reorder = false): standardised here.
        const double* in = rows.X.data() + j * old_stride;
        const StandardiseColumn z = setup.standardiser(static_cast<int>(j));
        auto xj = [&](Eigen::Index i) { return z(in[i]); };
        pack_rows(plan, buf, xj);
        if (replicas) pack_rows(*replicas, replica_buf, xj);
        comm.alltoallv(buf.data(), plan.scounts, got.data(), plan.rcounts);
        double* col = rows.X.data() + j * total_rows;
        for (std::size_t k = 0; k < got.size(); ++k) col[dest[k]] = got[k];
        if (replicas) comm.alltoallv(replica_buf.data(), replicas->scounts, col + m, replicas->rcounts);
    }
    if (!grows) resize_storage(rows.X, total_rows * p);
    rows.X.resize(total_rows, p);  // the same size: a reshape
    std::vector<double>().swap(buf);  // before the vectors below are allocated
    std::vector<double>().swap(replica_buf);
    std::vector<double>().swap(got);
    // The plan and the new order serve only the vectors that are sent; without any, freed now.
    if (unit_weights && zero_offset && one_stratum && !rows.counting_process && !rows.has_cluster) {
        std::vector<Eigen::Index>().swap(plan.order);
        std::vector<std::int64_t>().swap(dest);
    }

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
    const auto total = static_cast<std::size_t>(rows.X.rows());
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
