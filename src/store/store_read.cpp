// Reading a table: each rank reads one contiguous hyperslab of every requested column.
//   pid tables:   rows [off[first_bucket(r,R)], off[first_bucket(r+1,R)]) from pid_bucket_offsets,
//                 so rank r holds the same pid range in every table;
//   other tables: rows [N*r/R, N*(r+1)/R).
// With MPI-IO the transfer is collective (two-phase I/O aggregates the ranks' requests).
#include <sys/mman.h>

#include <algorithm>
#include <cstdint>
#include <tuple>
#include <utility>

#include "core/error.hpp"
#include "store/store.hpp"
#include "store/store_checks.hpp"
#include "store/store_impl.hpp"
#include "store/store_layout.hpp"
#include "store/prefault.hpp"
#include "store/table_stream.hpp"

namespace kohort {

namespace {

struct RowRange {
    std::int64_t begin = 0;
    std::int64_t end = 0;
};

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

// Sizes a column buffer for `count` values, faulted in at once (store/prefault.hpp): on virtual
// machines faulting in fresh buffers page by page cost more than reading the file.
void size_buffer(Column& c, std::uint64_t count) {
    reserve_prefaulted(c, count);
    c.resize(count);
}

Table read_range(const StoreState& s, const std::string& name, const std::vector<std::string>& requested,
                 int rank, int ranks) {
    h5::Group g = s.open_table(name);
    const TableMeta meta = store_checks::read_table_meta(s.path, name, g);
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
        Column c(cname, store_checks::check_column_dataset(s.path, name, d, meta.rows));
        if (c.type == ColumnType::Categorical) {
            // Dictionaries are small and needed whole by every rank to label its codes.
            c.dictionary = store_checks::read_dictionary(s.path, name, cname, g, dxpl);
            s.bytes_read += static_cast<std::int64_t>(
                g.open_group(layout::kDictionariesGroup).open_dataset(cname).storage_bytes());
        }
        h5::Dataspace fspace = d.space();
        size_buffer(c, count);
        fspace.select_range(static_cast<std::uint64_t>(range.begin), count, d.where());
        h5::Dataspace mspace = h5::Dataspace::simple(count, d.where());
        d.read(layout::hdf5_types(c.type).memory, mspace, fspace, dxpl, layout::column_data(c));
        s.bytes_read += static_cast<std::int64_t>(count * c.bytes_per_value());
        store_checks::check_values(s.path, name, c, meta, range.begin);
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
    return store_checks::reading(impl_->path, name,
                                 [&] { return read_range(*impl_, name, columns, comm.rank(), comm.size()); });
}

Table Store::read_all(const std::string& name, const std::vector<std::string>& columns) const {
    return store_checks::reading(impl_->path, name, [&] { return read_range(*impl_, name, columns, 0, 1); });
}

// ---- streaming (table_stream.hpp) ------------------------------------------------------------

struct TableStream::Impl {
    const StoreState* state = nullptr;
    h5::Group group;
    std::vector<h5::Dataset> datasets;
    std::vector<ColumnType> types;
    std::vector<std::string> names;
    std::vector<std::vector<std::string>> dictionaries;
    RowRange range;
    std::int64_t at = 0;  // next row, relative to range.begin
    bool by_pid = false;
    std::string table;
    TableMeta meta;  // for check_values
};

TableStream::TableStream(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TableStream::TableStream(TableStream&&) noexcept = default;
TableStream& TableStream::operator=(TableStream&&) noexcept = default;
TableStream::~TableStream() = default;

std::int64_t TableStream::rows() const { return impl_->range.end - impl_->range.begin; }
std::int64_t TableStream::rows_read() const { return impl_->at; }
bool TableStream::partitioned_by_pid() const { return impl_->by_pid; }

std::size_t TableStream::next(Table& block, std::size_t max_rows) {
    Impl& m = *impl_;
    if (block.columns.size() != m.names.size()) {
        block.columns.clear();
        for (std::size_t i = 0; i < m.names.size(); ++i) {
            Column c(m.names[i], m.types[i]);
            c.dictionary = m.dictionaries[i];
            block.columns.push_back(std::move(c));
        }
        block.partitioned_by_pid = m.by_pid;
    }
    const auto count = static_cast<std::uint64_t>(
        std::min<std::int64_t>(static_cast<std::int64_t>(max_rows), rows() - m.at));
    // Independent transfer: the default list (with MPI-IO, H5FD_MPIO_INDEPENDENT).
    const h5::PropList dxpl = h5::PropList::default_list();
    for (std::size_t i = 0; i < m.datasets.size(); ++i) {
        Column& c = block.columns[i];
        reserve_prefaulted(c, count);
        c.resize(count);
        if (count == 0) continue;
        const h5::Dataset& d = m.datasets[i];
        h5::Dataspace fspace = d.space();
        fspace.select_range(static_cast<std::uint64_t>(m.range.begin + m.at), count, d.where());
        h5::Dataspace mspace = h5::Dataspace::simple(count, d.where());
        store_checks::reading(m.state->path, m.table, [&] {
            d.read(layout::hdf5_types(c.type).memory, mspace, fspace, dxpl, layout::column_data(c));
        });
        m.state->bytes_read += static_cast<std::int64_t>(count * c.bytes_per_value());
        store_checks::check_values(m.state->path, m.table, c, m.meta, m.range.begin + m.at);
    }
    m.at += static_cast<std::int64_t>(count);
    return static_cast<std::size_t>(count);
}

TableStream Store::stream(const std::string& name, const Comm& comm, const std::vector<std::string>& columns) const {
    if (impl_->mpi && comm.size() != impl_->mpi_size)
        throw InternalError("Store::stream of '" + name + "' with a communicator of " + std::to_string(comm.size()) +
                            " ranks, but store '" + impl_->path + "' was opened on " +
                            std::to_string(impl_->mpi_size));
    auto m = std::make_unique<TableStream::Impl>();
    m->state = impl_.get();
    m->table = name;
    store_checks::reading(impl_->path, name, [&] {
        m->group = impl_->open_table(name);
        m->meta = store_checks::read_table_meta(impl_->path, name, m->group);
        const TableMeta& meta = m->meta;
        m->names = chosen_columns(name, meta, columns);
        m->range = share_of(meta, comm.rank(), comm.size());
        m->by_pid = meta.by_pid;
        const h5::PropList dxpl = impl_->transfer_list();
        for (const auto& cname : m->names) {
            h5::Dataset d = m->group.open_dataset(cname);
            const ColumnType type = store_checks::check_column_dataset(impl_->path, name, d, meta.rows);
            std::vector<std::string> dictionary;
            if (type == ColumnType::Categorical) {
                dictionary = store_checks::read_dictionary(impl_->path, name, cname, m->group, dxpl);
                impl_->bytes_read += static_cast<std::int64_t>(
                    m->group.open_group(layout::kDictionariesGroup).open_dataset(cname).storage_bytes());
            }
            m->types.push_back(type);
            m->dictionaries.push_back(std::move(dictionary));
            m->datasets.push_back(std::move(d));
        }
    });
    return TableStream(std::move(m));
}

}  // namespace kohort
