#include "kernels/linkage/pid_exchange.hpp"

#include <algorithm>
#include <climits>
#include <cstring>
#include <numeric>

#include "core/error.hpp"

namespace kohort::linkage {

int owner_rank(std::int64_t pid, int ranks) {
    const std::int64_t b = pid_bucket(pid);
    // first_bucket(r) = floor(kBuckets * r / R) <= b  <=>  r <= (b * R + R - 1) / kBuckets.
    int r = static_cast<int>((b * ranks + ranks - 1) / kBuckets);
    while (r + 1 < ranks && first_bucket(r + 1, ranks) <= b) ++r;
    while (r > 0 && first_bucket(r, ranks) > b) --r;
    return r;
}

namespace {

const void* value_ptr(const Column& c, std::size_t i) {
    switch (c.type) {
        case ColumnType::Int64: return &c.i64[i];
        case ColumnType::Double: return &c.f64[i];
        case ColumnType::Date:
        case ColumnType::Categorical: return &c.i32[i];
        case ColumnType::Bool: return &c.i8[i];
    }
    return nullptr;
}

void* value_ptr(Column& c, std::size_t i) { return const_cast<void*>(value_ptr(static_cast<const Column&>(c), i)); }

}  // namespace

bool sort_by_pid(Table& t) {
    const Column& pid = t.column("pid");
    if (std::is_sorted(pid.i64.begin(), pid.i64.end())) {
        t.partitioned_by_pid = true;
        return false;
    }
    std::vector<std::size_t> perm(pid.i64.size());
    std::iota(perm.begin(), perm.end(), std::size_t{0});
    std::stable_sort(perm.begin(), perm.end(), [&](std::size_t a, std::size_t b) { return pid.i64[a] < pid.i64[b]; });
    for (auto& c : t.columns) c.permute(perm);
    t.partitioned_by_pid = true;
    return true;
}

Table redistribute_by_pid(const Table& local, const Comm& comm, std::int64_t* dropped) {
    const Column& pid = local.column("pid");
    if (pid.type != ColumnType::Int64)
        throw UsageError("table '" + local.name + "': column pid is " + std::string(to_string(pid.type)) +
                         "; expected int64 person keys");
    std::size_t row_bytes = 0;
    for (const auto& c : local.columns) row_bytes += c.bytes_per_value();
    const int ranks = comm.size();

    // Pack each row, column after column, into the buffer of its owner.
    std::vector<std::vector<std::uint8_t>> send(static_cast<std::size_t>(ranks));
    std::vector<std::size_t> counts(static_cast<std::size_t>(ranks), 0);
    std::vector<int> dest(local.rows());
    std::int64_t missing = 0;
    for (std::size_t i = 0; i < local.rows(); ++i) {
        if (pid.i64[i] == kMissingInt64) {
            dest[i] = -1;
            ++missing;
            continue;
        }
        dest[i] = owner_rank(pid.i64[i], ranks);
        ++counts[static_cast<std::size_t>(dest[i])];
    }
    for (int r = 0; r < ranks; ++r) {
        if (counts[static_cast<std::size_t>(r)] * row_bytes > static_cast<std::size_t>(INT_MAX))
            throw UsageError("table '" + local.name + "': more than 2 GiB to send from one rank to another while redistributing by pid; run on more ranks");
        send[static_cast<std::size_t>(r)].resize(counts[static_cast<std::size_t>(r)] * row_bytes);
    }
    std::vector<std::size_t> fill(static_cast<std::size_t>(ranks), 0);
    for (std::size_t i = 0; i < local.rows(); ++i) {
        if (dest[i] < 0) continue;
        auto& buf = send[static_cast<std::size_t>(dest[i])];
        std::size_t& at = fill[static_cast<std::size_t>(dest[i])];
        for (const auto& c : local.columns) {
            const std::size_t w = c.bytes_per_value();
            std::memcpy(buf.data() + at, value_ptr(c, i), w);
            at += w;
        }
    }
    const std::vector<std::uint8_t> recv = comm.alltoallv(send);
    send.clear();

    Table out;
    out.name = local.name;
    for (const auto& c : local.columns) {
        Column nc(c.name, c.type);
        nc.dictionary = c.dictionary;  // a stored table has one dictionary, the same on every rank
        out.columns.push_back(std::move(nc));
    }
    const std::size_t n = row_bytes ? recv.size() / row_bytes : 0;
    for (auto& c : out.columns) c.resize(n);
    std::size_t at = 0;
    for (std::size_t i = 0; i < n; ++i)
        for (auto& c : out.columns) {
            const std::size_t w = c.bytes_per_value();
            std::memcpy(value_ptr(c, i), recv.data() + at, w);
            at += w;
        }
    sort_by_pid(out);
    if (dropped) *dropped = comm.allreduce(missing);
    return out;
}

LinkedRead read_linked(const Store& store, const std::string& name, const std::vector<std::string>& columns,
                       const Comm& comm) {
    LinkedRead r;
    const TableInfo info = store.info(name);
    r.table = store.read(name, comm, columns);
    r.table.name = name;
    if (!info.partitioned_by_pid) {
        r.table = redistribute_by_pid(r.table, comm);
        r.redistributed = true;
    } else {
        sort_by_pid(r.table);  // a no-op for stores kohort wrote (sorted by pid on disk)
    }
    r.rows_local = static_cast<std::int64_t>(r.table.rows());
    return r;
}

}  // namespace kohort::linkage
