// Checks on read: a store may come from another tool, an older kohort, or a copy cut short, so
// every invariant the writer enforces (store_write.cpp, docs/format.md) is checked again when the
// store is read, before any value is used as an index. A violation, or an HDF5 error while reading,
// is bad input: BadStoreError, exit 2, naming the store, the table and the column.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "store/hdf5_handles.hpp"
#include "store/table.hpp"

namespace kohort {

// "store 'P', table 'T', column 'C': WHAT" (table and column left out when empty).
class BadStoreError : public UsageError {
public:
    BadStoreError(const std::string& store, const std::string& table, const std::string& column,
                  const std::string& what);
};

// Table-group metadata as the layout defines it, checked.
struct TableMeta {
    std::vector<std::string> columns;
    std::int64_t rows = 0;
    bool by_pid = false;
    std::vector<std::int64_t> bucket_offsets;
};

namespace store_checks {

// Root attributes kohort_format / kohort_format_version.
void check_root(const std::string& store, const h5::Group& root);
// Reads and checks @columns, @num_rows, @partitioning and the pid bucket offsets of table `table`.
TableMeta read_table_meta(const std::string& store, const std::string& table, const h5::Group& g);
// The column's dataset: the kohort_type attribute, one dimension of num_rows values, an HDF5 type
// of the class and size that type is stored as, and a missing_count. Returns the type.
ColumnType check_column_dataset(const std::string& store, const std::string& table, const h5::Dataset& d,
                                std::int64_t rows);
// A categorical column's dictionary: a 1-D string dataset of distinct labels.
std::vector<std::string> read_dictionary(const std::string& store, const std::string& table,
                                         const std::string& column, const h5::Group& table_group,
                                         const h5::PropList& dxpl);
// Values read into `c` (one rank's share, or a streamed block, starting at table row `first_row`):
// categorical codes within the dictionary or -1, bools 0, 1 or -1; in a pid table (meta.by_pid),
// pids non-negative, sorted, and each in the bucket whose pid_bucket_offsets range holds its row.
void check_values(const std::string& store, const std::string& table, const Column& c, const TableMeta& meta,
                  std::int64_t first_row);

// Runs f(); an Hdf5Error from it (a damaged or foreign file) becomes a BadStoreError for `table`.
template <typename F>
decltype(auto) reading(const std::string& store, const std::string& table, F&& f) {
    try {
        return f();
    } catch (const h5::Hdf5Error& e) {
        throw BadStoreError(store, table, "",
                            std::string(e.what()) + " (the file is damaged or was not written as a kohort store; "
                                                    "docs/format.md describes the layout)");
    }
}

}  // namespace store_checks
}  // namespace kohort
