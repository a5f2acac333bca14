// Reading a table: each rank reads one contiguous hyperslab of every requested column.
//   pid tables:   rows [off[first_bucket(r,R)], off[first_bucket(r+1,R)]) from pid_bucket_offsets,
//                 so rank r holds the same pid range in every table;
//   other tables: rows [N*r/R, N*(r+1)/R).
// With MPI-IO the transfer is collective (two-phase I/O aggregates the ranks' requests).
#include <sys/mman.h>

#include <algorithm>
#include <cstdint>

#include "core/error.hpp"
#include "store/store.hpp"
#include "store/store_impl.hpp"
#include "store/store_layout.hpp"

namespace kohort {

namespace {

struct RowRange {
    std::int64_t begin = 0;
    std::int64_t end = 0;
};

struct TableMeta {
    std::vector<std::string> columns;
    std::int64_t rows = 0;
    bool by_pid = false;
    std::vector<std::int64_t> bucket_offsets;
};

TableMeta read_meta(const h5::Group& g) {
    TableMeta m;
    m.columns = g.read_strings_attribute(layout::kAttrColumns);
    m.rows = g.read_int64_attribute(layout::kAttrNumRows);
    m.by_pid = g.read_string_attribute(layout::kAttrPartitioning) == layout::kPartitionPid;
    if (m.by_pid) {
        m.bucket_offsets = g.read_int64s_attribute(layout::kAttrBucketOffsets);
        if (static_cast<std::int64_t>(m.bucket_offsets.size()) != kBuckets + 1 || m.bucket_offsets.front() != 0 ||
            m.bucket_offsets.back() != m.rows || !std::is_sorted(m.bucket_offsets.begin(), m.bucket_offsets.end()))
            throw InternalError("table group '" + g.where().object + "' in '" + g.where().file +
                                "' has a damaged pid_bucket_offsets attribute (expected " +
                                std::to_string(kBuckets + 1) + " non-decreasing offsets from 0 to num_rows)");
    }
    return m;
}

RowRange share_of(const TableMeta& m, int rank, int ranks) {
    if (m.by_pid) {
        const std::int64_t first = first_bucket(rank, ranks);
        const std::int64_t last = first_bucket(rank + 1, ranks);
        return {m.bucket_offsets[static_cast<std::size_t>(first)], m.bucket_offsets[static_cast<std::size_t>(last)]};
    }
    return {m.rows * rank / ranks, m.rows * (rank + 1) / ranks};
}

std::vector<std::string> chosen_columns(const std::string& table, const TableMeta& m,
                                        const std::vector<std::string>& requested) {
    if (requested.empty()) return m.columns;
    for (const auto& c : requested) {
        if (std::find(m.columns.begin(), m.columns.end(), c) != m.columns.end()) continue;
        std::string have;
        for (const auto& h : m.columns) have += (have.empty() ? "" : ", ") + h;
        throw UsageError("table '" + table + "' has no column '" + c + "'; its columns are: " + have);
    }
    return requested;
}

ColumnType stored_type(const h5::Dataset& d) {
    const std::string t = d.read_string_attribute(layout::kAttrType);
    try {
        return column_type_from_string(t);
    } catch (const UsageError&) {
        throw UsageError("column '" + d.where().object + "' in '" + d.where().file + "' has kohort_type '" + t +
                         "'; expected int64, double, bool, date or categorical");
    }
}

// Sizes a column buffer for `count` values, asking for transparent huge pages first where the
// kernel offers them (THP mode "madvise"): fresh memory then faults in once per 2 MiB instead of
// once per 4 KiB. On virtual machines a page fault costs microseconds, and faulting in the buffers
// cost more than reading the file (docs/benchmarks-store.md).
void size_buffer(Column& c, std::uint64_t count) {
    c.reserve(count);
#ifdef MADV_HUGEPAGE
    constexpr std::uintptr_t huge = std::uintptr_t{2} << 20;
    const auto begin = reinterpret_cast<std::uintptr_t>(layout::column_data(c));
    const std::uintptr_t end = begin + count * c.bytes_per_value();
    const std::uintptr_t first = (begin + huge - 1) & ~(huge - 1), last = end & ~(huge - 1);
    // Advice only: a kernel without THP says no and nothing changes.
    if (begin != 0 && last > first) madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
#endif
    c.resize(count);
}

Table read_range(const StoreState& s, const std::string& name, const std::vector<std::string>& requested,
                 int rank, int ranks) {
    h5::Group g = s.open_table(name);
    const TableMeta meta = read_meta(g);
    const std::vector<std::string> cols = chosen_columns(name, meta, requested);
    const RowRange range = share_of(meta, rank, ranks);
    const auto count = static_cast<std::uint64_t>(range.end - range.begin);
    const h5::PropList dxpl = s.transfer_list();

    Table out;
    out.name = name;
    out.partitioned_by_pid = meta.by_pid;
    out.columns.reserve(cols.size());
    for (const auto& cname : cols) {
        h5::Dataset d = g.open_dataset(cname);
        Column c(cname, stored_type(d));
        h5::Dataspace fspace = d.space();
        if (static_cast<std::int64_t>(fspace.elements(d.where())) != meta.rows)
            throw InternalError("column '" + d.where().object + "' in '" + s.path + "' has " +
                                std::to_string(fspace.elements(d.where())) + " values but the table has num_rows " +
                                std::to_string(meta.rows));
        size_buffer(c, count);
        fspace.select_range(static_cast<std::uint64_t>(range.begin), count, d.where());
        h5::Dataspace mspace = h5::Dataspace::simple(count, d.where());
        d.read(layout::hdf5_types(c.type).memory, mspace, fspace, dxpl, layout::column_data(c));
        s.bytes_read += static_cast<std::int64_t>(count * c.bytes_per_value());

        if (c.type == ColumnType::Categorical) {
            // Dictionaries are small and needed whole by every rank to label its codes.
            h5::Dataset dict = g.open_group(layout::kDictionariesGroup).open_dataset(cname);
            c.dictionary = dict.read_strings(dxpl);
            s.bytes_read += static_cast<std::int64_t>(dict.storage_bytes());
        }
        out.columns.push_back(std::move(c));
    }
    return out;
}

}  // namespace

Table Store::read(const std::string& name, const Comm& comm, const std::vector<std::string>& columns) const {
    if (impl_->mpi && comm.size() != impl_->mpi_size)
        throw InternalError("Store::read of '" + name + "' with a communicator of " + std::to_string(comm.size()) +
                            " ranks, but store '" + impl_->path + "' was opened on " +
                            std::to_string(impl_->mpi_size));
    return read_range(*impl_, name, columns, comm.rank(), comm.size());
}

Table Store::read_all(const std::string& name, const std::vector<std::string>& columns) const {
    return read_range(*impl_, name, columns, 0, 1);
}

}  // namespace kohort
