#include "store/store_checks.hpp"

#include <algorithm>
#include <set>

#include "store/store.hpp"
#include "store/store_layout.hpp"

namespace kohort {

namespace {
std::string place(const std::string& store, const std::string& table, const std::string& column) {
    std::string s = "store '" + store + "'";
    if (!table.empty()) s += ", table '" + table + "'";
    if (!column.empty()) s += ", column '" + column + "'";
    return s;
}

// The last component of an HDF5 object path: the column name of /tables/T/C.
std::string leaf(const std::string& object) {
    const auto slash = object.rfind('/');
    return slash == std::string::npos ? object : object.substr(slash + 1);
}

struct StoredAs {
    H5T_class_t cls;
    std::size_t bytes;
    const char* hdf5_name;
};

StoredAs stored_as(ColumnType t) {
    switch (t) {
        case ColumnType::Int64: return {H5T_INTEGER, 8, "H5T_STD_I64LE"};
        case ColumnType::Double: return {H5T_FLOAT, 8, "H5T_IEEE_F64LE"};
        case ColumnType::Bool: return {H5T_INTEGER, 1, "H5T_STD_I8LE"};
        case ColumnType::Date:
        case ColumnType::Categorical: return {H5T_INTEGER, 4, "H5T_STD_I32LE"};
    }
    return {H5T_FLOAT, 8, "H5T_IEEE_F64LE"};
}

std::string class_name(H5T_class_t c) {
    switch (c) {
        case H5T_INTEGER: return "integer";
        case H5T_FLOAT: return "floating-point";
        case H5T_STRING: return "string";
        case H5T_COMPOUND: return "compound";
        case H5T_ENUM: return "enum";
        case H5T_ARRAY: return "array";
        case H5T_OPAQUE: return "opaque";
        case H5T_BITFIELD: return "bitfield";
        case H5T_REFERENCE: return "reference";
        case H5T_VLEN: return "variable-length";
        default: return "unknown";
    }
}

std::string row_text(std::size_t r) { return "local row " + std::to_string(r) + " of this rank's share"; }
}  // namespace

BadStoreError::BadStoreError(const std::string& store, const std::string& table, const std::string& column,
                             const std::string& what)
    : UsageError(place(store, table, column) + ": " + what) {}

namespace store_checks {

void check_root(const std::string& store, const h5::Group& root) {
    if (!root.has_attribute(layout::kAttrFormat))
        throw BadStoreError(store, "", "",
                            std::string("the root group has no attribute '") + layout::kAttrFormat +
                                "'; expected a kohort store (docs/format.md)");
    const std::string format = root.read_string_attribute(layout::kAttrFormat);
    if (format != layout::kFormatName)
        throw BadStoreError(store, "", "",
                            std::string("the root attribute '") + layout::kAttrFormat + "' is '" + format +
                                "'; expected '" + layout::kFormatName + "'");
    if (!root.has_attribute(layout::kAttrFormatVersion))
        throw BadStoreError(store, "", "",
                            std::string("the root group has no attribute '") + layout::kAttrFormatVersion + "'");
    const std::int64_t version = root.read_int64_attribute(layout::kAttrFormatVersion);
    if (version != layout::kFormatVersion)
        throw BadStoreError(store, "", "",
                            "format version " + std::to_string(version) + "; this kohort reads version " +
                                std::to_string(layout::kFormatVersion));
}

TableMeta read_table_meta(const std::string& store, const std::string& table, const h5::Group& g) {
    for (const char* attr : {layout::kAttrColumns, layout::kAttrNumRows, layout::kAttrPartitioning})
        if (!g.has_attribute(attr))
            throw BadStoreError(store, table, "",
                                std::string("the table group has no attribute '") + attr + "' (docs/format.md)");
    TableMeta m;
    m.columns = g.read_strings_attribute(layout::kAttrColumns);
    m.rows = g.read_int64_attribute(layout::kAttrNumRows);
    if (m.rows < 0)
        throw BadStoreError(store, table, "", "num_rows is " + std::to_string(m.rows) + "; expected 0 or more");
    std::set<std::string> seen;
    for (const auto& c : m.columns) {
        try {
            layout::validate_column_name(table, c);
        } catch (const UsageError& e) {
            throw BadStoreError(store, table, "", std::string("the columns attribute is invalid: ") + e.what());
        }
        if (!seen.insert(c).second)
            throw BadStoreError(store, table, c, "listed twice in the table's columns attribute");
        if (!g.has_link(c))
            throw BadStoreError(store, table, c, "listed in the columns attribute but there is no such dataset");
    }
    const std::string partitioning = g.read_string_attribute(layout::kAttrPartitioning);
    if (partitioning != layout::kPartitionPid && partitioning != layout::kPartitionNone)
        throw BadStoreError(store, table, "",
                            "partitioning is '" + partitioning + "'; expected 'pid' or 'none'");
    m.by_pid = partitioning == layout::kPartitionPid;
    if (!m.by_pid) return m;
    if (!seen.count(layout::kPidColumn))
        throw BadStoreError(store, table, "", "the table is partitioned by pid but has no column 'pid'");
    if (!g.has_attribute(layout::kAttrBucketOffsets))
        throw BadStoreError(store, table, "",
                            std::string("the table is partitioned by pid but has no attribute '") +
                                layout::kAttrBucketOffsets + "'");
    if (g.has_attribute(layout::kAttrBucketBits) && g.read_int64_attribute(layout::kAttrBucketBits) != kBucketBits)
        throw BadStoreError(store, table, "",
                            std::string(layout::kAttrBucketBits) + " is not " + std::to_string(kBucketBits) +
                                ", the only bucket width this kohort reads");
    m.bucket_offsets = g.read_int64s_attribute(layout::kAttrBucketOffsets);
    if (static_cast<std::int64_t>(m.bucket_offsets.size()) != kBuckets + 1 || m.bucket_offsets.front() != 0 ||
        m.bucket_offsets.back() != m.rows || !std::is_sorted(m.bucket_offsets.begin(), m.bucket_offsets.end()))
        throw BadStoreError(store, table, "",
                            std::string(layout::kAttrBucketOffsets) + " is damaged; expected " +
                                std::to_string(kBuckets + 1) + " non-decreasing offsets from 0 to num_rows");
    return m;
}

ColumnType check_column_dataset(const std::string& store, const std::string& table, const h5::Dataset& d,
                                std::int64_t rows) {
    const std::string column = leaf(d.where().object);
    for (const char* attr : {layout::kAttrType, layout::kAttrMissingCount})
        if (!d.has_attribute(attr))
            throw BadStoreError(store, table, column,
                                std::string("the dataset has no attribute '") + attr + "' (docs/format.md)");
    const std::string name = d.read_string_attribute(layout::kAttrType);
    ColumnType type;
    try {
        type = column_type_from_string(name);
    } catch (const UsageError&) {
        throw BadStoreError(store, table, column,
                            "kohort_type is '" + name + "'; expected int64, double, bool, date or categorical");
    }
    const int dims = H5Sget_simple_extent_ndims(d.space().id());
    if (dims != 1)
        throw BadStoreError(store, table, column,
                            "the dataset has " + std::to_string(dims) + " dimensions; expected 1");
    const std::uint64_t n = d.elements();
    if (static_cast<std::int64_t>(n) != rows)
        throw BadStoreError(store, table, column,
                            "the dataset has " + std::to_string(n) + " values but the table's num_rows is " +
                                std::to_string(rows) + "; every column must have num_rows values");
    const h5::Datatype dt = d.type();
    const StoredAs want = stored_as(type);
    const H5T_class_t cls = dt.type_class(d.where());
    const std::size_t bytes = dt.size(d.where());
    const bool sign_ok = cls != H5T_INTEGER || H5Tget_sign(dt.id()) == H5T_SGN_2;
    if (cls != want.cls || bytes != want.bytes || !sign_ok)
        throw BadStoreError(store, table, column,
                            "a " + name + " column stored as " + (sign_ok ? "" : "unsigned ") + class_name(cls) +
                                " of " + std::to_string(bytes) + " bytes; expected " + want.hdf5_name);
    const std::int64_t missing = d.read_int64_attribute(layout::kAttrMissingCount);
    if (missing < 0 || missing > rows)
        throw BadStoreError(store, table, column,
                            "missing_count is " + std::to_string(missing) + "; expected 0 to num_rows");
    return type;
}

std::vector<std::string> read_dictionary(const std::string& store, const std::string& table,
                                         const std::string& column, const h5::Group& table_group,
                                         const h5::PropList& dxpl) {
    if (!table_group.has_link(layout::kDictionariesGroup) ||
        !table_group.open_group(layout::kDictionariesGroup).has_link(column))
        throw BadStoreError(store, table, column,
                            std::string("a categorical column without a dictionary; expected the dataset ") +
                                layout::kDictionariesGroup + "/" + column);
    const h5::Dataset dict = table_group.open_group(layout::kDictionariesGroup).open_dataset(column);
    if (dict.type().type_class(dict.where()) != H5T_STRING)
        throw BadStoreError(store, table, column, "the dictionary is not a string dataset");
    if (H5Sget_simple_extent_ndims(dict.space().id()) != 1)
        throw BadStoreError(store, table, column, "the dictionary is not one-dimensional");
    std::vector<std::string> labels = dict.read_strings(dxpl);
    if (labels.size() > static_cast<std::size_t>(INT32_MAX))
        throw BadStoreError(store, table, column, "the dictionary has more labels than int32 codes can address");
    std::vector<std::string> sorted = labels;
    std::sort(sorted.begin(), sorted.end());
    if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
        throw BadStoreError(store, table, column, "the dictionary lists a label twice; expected distinct labels");
    return labels;
}

void check_values(const std::string& store, const std::string& table, const Column& c, const TableMeta& meta,
                  std::int64_t first_row) {
    const std::size_t n = c.size();
    if (c.type == ColumnType::Categorical) {
        const auto levels = static_cast<std::int64_t>(c.dictionary.size());
        for (std::size_t r = 0; r < n; ++r) {
            const std::int32_t v = c.i32[r];
            if (v != kMissingCode && (v < 0 || v >= levels))
                throw BadStoreError(store, table, c.name,
                                    "the code " + std::to_string(v) + " at " + row_text(r) +
                                        " is outside its dictionary of " + std::to_string(levels) +
                                        " labels; expected -1 (missing) or 0 to " + std::to_string(levels - 1));
        }
    } else if (c.type == ColumnType::Bool) {
        for (std::size_t r = 0; r < n; ++r)
            if (c.i8[r] != 0 && c.i8[r] != 1 && c.i8[r] != kMissingBool)
                throw BadStoreError(store, table, c.name,
                                    "the value " + std::to_string(c.i8[r]) + " at " + row_text(r) +
                                        " is not a bool; expected 0, 1 or -1 (missing)");
    }
    if (!meta.by_pid || c.name != layout::kPidColumn) return;
    if (c.type != ColumnType::Int64)
        throw BadStoreError(store, table, c.name, "the pid of a table partitioned by pid must be int64");
    // Row positions only: a pid value is never put in a message.
    const std::vector<std::int64_t>& off = meta.bucket_offsets;
    for (std::size_t r = 0; r < n; ++r) {
        const std::int64_t p = c.i64[r];
        if (p < 0)
            throw BadStoreError(store, table, c.name,
                                "the pid at " + row_text(r) + " is missing or negative; a table partitioned by pid "
                                "needs non-negative pids");
        if (r > 0 && p < c.i64[r - 1])
            throw BadStoreError(store, table, c.name, "rows are not sorted by pid at " + row_text(r));
        const std::int64_t b = pid_bucket(p);
        const std::int64_t row = first_row + static_cast<std::int64_t>(r);
        if (row < off[static_cast<std::size_t>(b)] || row >= off[static_cast<std::size_t>(b) + 1])
            throw BadStoreError(store, table, c.name,
                                "the pid at table row " + std::to_string(row) + " is in bucket " + std::to_string(b) +
                                    ", but pid_bucket_offsets puts bucket " + std::to_string(b) + " at rows [" +
                                    std::to_string(off[static_cast<std::size_t>(b)]) + ", " +
                                    std::to_string(off[static_cast<std::size_t>(b) + 1]) + ")");
    }
}

}  // namespace store_checks
}  // namespace kohort
