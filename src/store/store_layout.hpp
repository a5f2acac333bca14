// Names and types of the on-disk layout (docs/format.md is the prose version of this file).
#pragma once
#include <hdf5.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "store/table.hpp"

namespace kohort::layout {

inline constexpr std::int64_t kFormatVersion = 1;
inline constexpr const char* kFormatName = "kohort-store";

// Groups.
inline constexpr const char* kTablesGroup = "tables";            // /tables/<table>
inline constexpr const char* kStagingGroup = "kohort_staging";   // /kohort_staging/<table> while being written
inline constexpr const char* kDictionariesGroup = "_dictionaries";  // /tables/<table>/_dictionaries/<column>

// Root attributes.
inline constexpr const char* kAttrFormat = "kohort_format";
inline constexpr const char* kAttrFormatVersion = "kohort_format_version";

// Table group attributes.
inline constexpr const char* kAttrColumns = "columns";
inline constexpr const char* kAttrNumRows = "num_rows";
inline constexpr const char* kAttrPartitioning = "partitioning";
inline constexpr const char* kAttrBucketOffsets = "pid_bucket_offsets";
inline constexpr const char* kAttrBucketBits = "pid_bucket_bits";
inline constexpr const char* kPartitionPid = "pid";
inline constexpr const char* kPartitionNone = "none";
inline constexpr const char* kPidColumn = "pid";

// Genotype tables (docs/format.md, store/genotype_store.hpp): a pid table with one column, `pid`,
// plus the packed calls and the variant list.
inline constexpr const char* kAttrTableKind = "kohort_table_kind";
inline constexpr const char* kKindGenotypes = "genotypes";
inline constexpr const char* kAttrNumVariants = "num_variants";
inline constexpr const char* kAttrBlockVariants = "block_variants";
inline constexpr const char* kAttrCallsEncoding = "calls_encoding";
inline constexpr const char* kCallsEncoding = "plink-bed-2bit";
inline constexpr const char* kCallsDataset = "calls";        // uint8 [num_variants, ceil(num_rows / 4)]
inline constexpr const char* kVariantsGroup = "variants";    // chrom, pos, id, a1, a2

// Column dataset attributes.
inline constexpr const char* kAttrType = "kohort_type";
inline constexpr const char* kAttrMissingValue = "missing_value";
inline constexpr const char* kAttrMissingCount = "missing_count";

// File (on-disk, little-endian standard) and memory (native) HDF5 types of a column.
struct ColumnTypes {
    hid_t file;
    hid_t memory;
};

inline ColumnTypes hdf5_types(ColumnType t) {
    switch (t) {
        case ColumnType::Int64: return {H5T_STD_I64LE, H5T_NATIVE_INT64};
        case ColumnType::Double: return {H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE};
        case ColumnType::Bool: return {H5T_STD_I8LE, H5T_NATIVE_INT8};
        case ColumnType::Date:
        case ColumnType::Categorical: return {H5T_STD_I32LE, H5T_NATIVE_INT32};
    }
    return {H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE};
}

// Pointer to the column's one buffer (see Column), for HDF5 reads and writes.
inline const void* column_data(const Column& c) {
    switch (c.type) {
        case ColumnType::Int64: return c.i64.data();
        case ColumnType::Double: return c.f64.data();
        case ColumnType::Bool: return c.i8.data();
        case ColumnType::Date:
        case ColumnType::Categorical: return c.i32.data();
    }
    return nullptr;
}
inline void* column_data(Column& c) { return const_cast<void*>(column_data(static_cast<const Column&>(c))); }

// Throws UsageError unless `name` can be one HDF5 link name of the layout.
void validate_table_name(const std::string& name);
void validate_column_name(const std::string& table, const std::string& column);

}  // namespace kohort::layout
