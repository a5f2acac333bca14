// Writing a table (collective write, serial write_all).
//
// Every rank writes its rows at offset exscan(count) of each column: one contiguous hyperslab per
// column, collective MPI-IO. The table is built under /kohort_staging/<name> and only then linked
// as /tables/<name> (after unlinking an older table of that name), so a reader never sees a
// half-written table under the real name. HDF5 does not reclaim the replaced table's space in the
// file; h5repack does (docs/format.md).
#include <algorithm>
#include <limits>
#include <numeric>

#include "core/error.hpp"
#include "store/store.hpp"
#include "store/store_impl.hpp"
#include "store/store_layout.hpp"

namespace kohort {

namespace {

// What each rank learns about its own rows before anything touches the file.
struct LocalSummary {
    std::vector<std::int64_t> missing;         // per column
    std::vector<std::int64_t> bucket_counts;   // pid tables: rows per bucket
};

std::uint64_t schema_fingerprint(const Table& t, bool by_pid) {
    std::uint64_t h = fnv1a(t.name);
    h = fnv1a(by_pid ? "pid" : "none", h);
    for (const auto& c : t.columns) h = fnv1a(c.name + ":" + std::string(to_string(c.type)), h);
    return h;
}

std::uint64_t dictionaries_fingerprint(const Table& t) {
    std::uint64_t h = fnv1a("dictionaries");
    for (const auto& c : t.columns) {
        if (c.type != ColumnType::Categorical) continue;
        h = fnv1a(std::to_string(c.dictionary.size()), h);
        for (const auto& label : c.dictionary) h = fnv1a(label, h);
    }
    return h;
}

// Local checks; any failure is thrown here and then agreed on by all ranks.
LocalSummary summarise(const Table& t, bool by_pid, int rank, int ranks) {
    layout::validate_table_name(t.name);
    const std::size_t n = t.rows();
    LocalSummary s;
    for (std::size_t i = 0; i < t.columns.size(); ++i) {
        const Column& c = t.columns[i];
        layout::validate_column_name(t.name, c.name);
        for (std::size_t j = 0; j < i; ++j)
            if (t.columns[j].name == c.name)
                throw UsageError("table '" + t.name + "' has two columns named '" + c.name + "'");
        if (c.size() != n)
            throw InternalError("table '" + t.name + "': column '" + c.name + "' has " + std::to_string(c.size()) +
                                " rows but column '" + t.columns.front().name + "' has " + std::to_string(n));
        if (c.type == ColumnType::Categorical) {
            const auto levels = static_cast<std::int32_t>(c.dictionary.size());
            for (std::size_t r = 0; r < n; ++r)
                if (c.i32[r] != kMissingCode && (c.i32[r] < 0 || c.i32[r] >= levels))
                    throw InternalError("table '" + t.name + "': categorical column '" + c.name + "' has a code " +
                                        "outside its dictionary of " + std::to_string(levels) + " levels at local row " +
                                        std::to_string(r));
        }
        s.missing.push_back(static_cast<std::int64_t>(c.count_missing()));
    }
    if (!by_pid) return s;

    const Column* pid = t.find(layout::kPidColumn);
    if (!pid || pid->type != ColumnType::Int64)
        throw InternalError("table '" + t.name + "' is marked partitioned by pid but has no int64 column 'pid'");
    const std::int64_t lo = first_bucket(rank, ranks);
    const std::int64_t hi = first_bucket(rank + 1, ranks);
    s.bucket_counts.assign(static_cast<std::size_t>(kBuckets), 0);
    // Row positions only: pid values are never put in a message.
    for (std::size_t r = 0; r < n; ++r) {
        const std::int64_t p = pid->i64[r];
        if (p < 0)
            throw InternalError("table '" + t.name + "': pid at local row " + std::to_string(r) + " of rank " +
                                std::to_string(rank) + " is missing or negative; a partitioned table needs " +
                                "non-negative pids");
        if (r > 0 && p < pid->i64[r - 1])
            throw InternalError("table '" + t.name + "': rows of rank " + std::to_string(rank) +
                                " are not sorted by pid (local row " + std::to_string(r) + ")");
        const std::int64_t b = pid_bucket(p);
        if (b < lo || b >= hi)
            throw InternalError("table '" + t.name + "': local row " + std::to_string(r) + " of rank " +
                                std::to_string(rank) + " has a pid in bucket " + std::to_string(b) +
                                ", outside this rank's buckets [" + std::to_string(lo) + ", " + std::to_string(hi) + ")");
        ++s.bucket_counts[static_cast<std::size_t>(b)];
    }
    return s;
}

void check_same_everywhere(const Table& t, bool by_pid, const Participants& p) {
    std::vector<std::uint64_t> lo = {schema_fingerprint(t, by_pid), dictionaries_fingerprint(t)};
    std::vector<std::uint64_t> hi = lo;
    p.min(lo);
    p.max(hi);
    if (lo[0] != hi[0])
        throw InternalError("writing table '" + t.name + "': ranks passed different column names, types or " +
                            "partitioning; every rank must pass the same schema");
    if (lo[1] != hi[1])
        throw InternalError("writing table '" + t.name + "': a categorical column has different dictionaries on " +
                            "different ranks; every rank must pass the same dictionary (agree on levels first)");
}

h5::PropList column_creation(const Column& c, const h5::Where& w) {
    h5::PropList dcpl = h5::PropList::create(H5P_DATASET_CREATE, w);
    // The sentinel is the HDF5 fill value too, so h5py/h5dump users see it as `_FillValue`. It is
    // never written as fill (every element is written), which saves a pass over the file.
    const layout::ColumnTypes types = layout::hdf5_types(c.type);
    const std::int64_t i64 = kMissingInt64;
    const double f64 = std::numeric_limits<double>::quiet_NaN();
    const std::int8_t i8 = kMissingBool;
    const std::int32_t date = kMissingDate, code = kMissingCode;
    const void* fill = c.type == ColumnType::Int64    ? static_cast<const void*>(&i64)
                       : c.type == ColumnType::Double ? static_cast<const void*>(&f64)
                       : c.type == ColumnType::Bool   ? static_cast<const void*>(&i8)
                       : c.type == ColumnType::Date   ? static_cast<const void*>(&date)
                                                      : static_cast<const void*>(&code);
    h5::check(H5Pset_fill_value(dcpl.id(), types.memory, fill), w, "H5Pset_fill_value");
    h5::check(H5Pset_fill_time(dcpl.id(), H5D_FILL_TIME_NEVER), w, "H5Pset_fill_time");
    h5::check(H5Pset_alloc_time(dcpl.id(), H5D_ALLOC_TIME_EARLY), w, "H5Pset_alloc_time");
    return dcpl;
}

void write_missing_value_attribute(h5::Dataset& d, ColumnType t) {
    const layout::ColumnTypes types = layout::hdf5_types(t);
    switch (t) {
        case ColumnType::Int64: d.write_scalar_attribute(layout::kAttrMissingValue, types.file, types.memory, &kMissingInt64); break;
        case ColumnType::Double: {
            const double nan = std::numeric_limits<double>::quiet_NaN();
            d.write_scalar_attribute(layout::kAttrMissingValue, types.file, types.memory, &nan);
            break;
        }
        case ColumnType::Bool: d.write_scalar_attribute(layout::kAttrMissingValue, types.file, types.memory, &kMissingBool); break;
        case ColumnType::Date: d.write_scalar_attribute(layout::kAttrMissingValue, types.file, types.memory, &kMissingDate); break;
        case ColumnType::Categorical: d.write_scalar_attribute(layout::kAttrMissingValue, types.file, types.memory, &kMissingCode); break;
    }
}

// The dictionary as fixed-length UTF-8 strings: parallel HDF5 cannot write variable-length data
// through MPI-IO ("Parallel IO does not support writing VL datatypes"), and fixed-length strings
// read the same way in h5py (`.asstr()`) and h5dump. Rank 0 writes it; the others select nothing.
void write_dictionary(h5::Group& table_group, const Column& c, const h5::PropList& dxpl, int rank) {
    h5::Group dicts = table_group.has_link(layout::kDictionariesGroup)
                          ? table_group.open_group(layout::kDictionariesGroup)
                          : table_group.create_group(layout::kDictionariesGroup);
    const h5::Where w{dicts.where().file, dicts.where().object + "/" + c.name};
    std::size_t longest = 0;
    for (const auto& label : c.dictionary) longest = std::max(longest, label.size());
    h5::Datatype type = h5::Datatype::utf8_fixed_string(longest, w);
    const std::size_t width = longest + 1;
    h5::Dataspace fspace = h5::Dataspace::simple(c.dictionary.size(), w);
    h5::PropList dcpl = h5::PropList::create(H5P_DATASET_CREATE, w);
    h5::check(H5Pset_alloc_time(dcpl.id(), H5D_ALLOC_TIME_EARLY), w, "H5Pset_alloc_time");
    h5::check(H5Pset_fill_time(dcpl.id(), H5D_FILL_TIME_NEVER), w, "H5Pset_fill_time");
    h5::Dataset d = dicts.create_dataset(c.name, type, fspace, dcpl);
    if (c.dictionary.empty()) return;
    std::vector<char> buf(c.dictionary.size() * width, '\0');
    for (std::size_t i = 0; i < c.dictionary.size(); ++i)
        std::copy(c.dictionary[i].begin(), c.dictionary[i].end(), buf.begin() + static_cast<std::ptrdiff_t>(i * width));
    const std::uint64_t n = rank == 0 ? c.dictionary.size() : 0;
    fspace.select_range(0, n, w);
    h5::Dataspace mspace = h5::Dataspace::simple(c.dictionary.size(), w);
    mspace.select_range(0, n, w);
    d.write(type.id(), mspace, fspace, dxpl, buf.data());
}

void write_table(StoreState& s, const Table& t, bool by_pid, const Participants& p) {
    s.require_writable("writing a table");
    std::exception_ptr error;
    LocalSummary local;
    try {
        local = summarise(t, by_pid, p.rank(), p.size());
    } catch (...) {
        error = std::current_exception();
    }
    p.agree(error, "writing table '" + t.name + "'");
    check_same_everywhere(t, by_pid, p);

    const auto n_local = static_cast<std::int64_t>(t.rows());
    const std::int64_t offset = p.exscan_sum(n_local);
    const std::int64_t total = p.sum(n_local);
    std::vector<std::int64_t> missing = local.missing;
    p.sum(missing);
    std::vector<std::int64_t> bucket_offsets;
    if (by_pid) {
        std::vector<std::int64_t> counts = local.bucket_counts;
        p.sum(counts);
        bucket_offsets.assign(counts.size() + 1, 0);
        std::partial_sum(counts.begin(), counts.end(), bucket_offsets.begin() + 1);
    }

    h5::Group root = s.file.root();
    h5::Group staging_parent = root.require_group(layout::kStagingGroup);
    if (staging_parent.has_link(t.name)) staging_parent.delete_link(t.name);  // left by an interrupted write
    const h5::Where gw{s.path, "/" + std::string(layout::kStagingGroup) + "/" + t.name};
    h5::PropList gcpl = h5::PropList::create(H5P_GROUP_CREATE, gw);
    // Dense attribute storage: no 64 KiB limit on the `columns` attribute.
    h5::check(H5Pset_attr_phase_change(gcpl.id(), 0, 0), gw, "H5Pset_attr_phase_change");
    h5::Group g = staging_parent.create_group(t.name, gcpl);

    const h5::PropList dxpl = s.transfer_list();
    std::vector<std::string> names;
    for (std::size_t i = 0; i < t.columns.size(); ++i) {
        const Column& c = t.columns[i];
        names.push_back(c.name);
        const h5::Where cw{s.path, gw.object + "/" + c.name};
        h5::Datatype ftype = h5::Datatype::copy_of(layout::hdf5_types(c.type).file, cw);
        h5::Dataspace fspace = h5::Dataspace::simple(static_cast<std::uint64_t>(total), cw);
        h5::Dataset d = g.create_dataset(c.name, ftype, fspace, column_creation(c, cw));
        fspace.select_range(static_cast<std::uint64_t>(offset), static_cast<std::uint64_t>(n_local), cw);
        h5::Dataspace mspace = h5::Dataspace::simple(static_cast<std::uint64_t>(n_local), cw);
        d.write(layout::hdf5_types(c.type).memory, mspace, fspace, dxpl, layout::column_data(c));
        d.write_string_attribute(layout::kAttrType, std::string(to_string(c.type)));
        write_missing_value_attribute(d, c.type);
        d.write_int64_attribute(layout::kAttrMissingCount, missing[i]);
        if (c.type == ColumnType::Categorical) write_dictionary(g, c, dxpl, p.rank());
    }
    g.write_strings_attribute(layout::kAttrColumns, names);
    g.write_int64_attribute(layout::kAttrNumRows, total);
    g.write_string_attribute(layout::kAttrPartitioning, by_pid ? layout::kPartitionPid : layout::kPartitionNone);
    if (by_pid) {
        g.write_int64s_attribute(layout::kAttrBucketOffsets, bucket_offsets);
        g.write_int64_attribute(layout::kAttrBucketBits, kBucketBits);
    }
    g = h5::Group();  // closed before the link moves

    // Everything is on disk under the staging name; now swap it in.
    s.file.flush();
    h5::Group tables = s.tables();
    if (tables.has_link(t.name)) tables.delete_link(t.name);
    staging_parent.move_link(t.name, tables, t.name);
    const bool staging_empty = staging_parent.link_names().empty();
    staging_parent = h5::Group();
    if (staging_empty) root.delete_link(layout::kStagingGroup);
    s.file.flush();
}

}  // namespace

void Store::write(const Table& local, const Comm& comm) {
    if (!impl_->mpi && comm.size() > 1)
        throw InternalError("Store::write of table '" + local.name + "' on " + std::to_string(comm.size()) +
                            " ranks, but store '" + impl_->path + "' was opened without MPI; open it with the comm");
    if (impl_->mpi && comm.size() != impl_->mpi_size)
        throw InternalError("Store::write of table '" + local.name + "' with a communicator of " +
                            std::to_string(comm.size()) + " ranks, but the store was opened on " +
                            std::to_string(impl_->mpi_size));
    write_table(*impl_, local, local.partitioned_by_pid, Participants(&comm));
}

void Store::write_all(const Table& table) {
    if (impl_->mpi && impl_->mpi_size > 1)
        throw InternalError("Store::write_all of table '" + table.name + "' on store '" + impl_->path +
                            "', which is open on " + std::to_string(impl_->mpi_size) +
                            " ranks; use the collective Store::write");
    const Column* pid = table.find(layout::kPidColumn);
    if (!pid || pid->type != ColumnType::Int64) {
        write_table(*impl_, table, false, Participants(nullptr));
        return;
    }
    std::int64_t negative = 0;
    for (const std::int64_t v : pid->i64) negative += v < 0 ? 1 : 0;
    if (negative > 0)
        throw UsageError("table '" + table.name + "': column 'pid' has " + std::to_string(negative) +
                         " missing or negative values; a person key must be a non-negative 64-bit pseudonym");
    if (std::is_sorted(pid->i64.begin(), pid->i64.end())) {
        write_table(*impl_, table, true, Participants(nullptr));
        return;
    }
    std::vector<std::size_t> order(table.rows());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return pid->i64[a] < pid->i64[b]; });
    Table sorted = table;
    for (auto& c : sorted.columns) c.permute(order);
    sorted.partitioned_by_pid = true;
    write_table(*impl_, sorted, true, Participants(nullptr));
}

}  // namespace kohort
