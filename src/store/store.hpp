// The kohort store: an HDF5 file of named tables (layout in docs/format.md).
//
// Partitioning: a table with a `pid` column is stored sorted by pid. pids are 63-bit keyed
// hashes, so their top bits are uniform; bucket(pid) = pid >> (63 - kBucketBits). Each table keeps
// `pid_bucket_offsets` (kBuckets + 1 row offsets). Rank r of R owns buckets
// [r*kBuckets/R, (r+1)*kBuckets/R): the same pid range in every table, so joins on pid need no
// communication, and each rank reads one contiguous hyperslab of every column.
// Tables without pid are split into R near-equal contiguous row ranges.
#pragma once
#include <hdf5.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mpi/comm.hpp"
#include "store/table.hpp"

namespace kohort {

class TableStream;  // store/table_stream.hpp

inline constexpr int kBucketBits = 12;
inline constexpr std::int64_t kBuckets = std::int64_t{1} << kBucketBits;

inline std::int64_t pid_bucket(std::int64_t pid) {
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(pid) >> (63 - kBucketBits));
}
// Buckets [first, last) owned by `rank` of `ranks`.
inline std::int64_t first_bucket(int rank, int ranks) { return kBuckets * rank / ranks; }

struct ColumnInfo {
    std::string name;
    ColumnType type;
    std::int64_t missing = 0;              // missing count over the whole table
    std::int64_t dictionary_size = 0;      // categorical only
};

struct TableInfo {
    std::string name;
    std::int64_t rows = 0;
    bool partitioned_by_pid = false;
    std::vector<ColumnInfo> columns;
    std::int64_t bytes = 0;                // sum of column data sizes on disk
    std::int64_t variants = -1;            // genotype tables (store/genotype_store.hpp): variant count
};

// Scalar metadata stored as attributes (for example synth's planted effects).
using Attributes = std::map<std::string, double>;

class Store {
public:
    // Opens an existing store. With `comm` the file is opened with the MPI-IO driver
    // (every rank of comm must call); without, serially.
    static Store open(const std::string& path, const Comm* comm, bool writable = false);
    // Creates (truncates) a store file. Collective over comm when comm is given.
    static Store create(const std::string& path, const Comm* comm);

    Store(Store&&) noexcept;
    Store& operator=(Store&&) noexcept;
    ~Store();

    const std::string& path() const;
    std::vector<std::string> table_names() const;
    bool has_table(const std::string& name) const;
    TableInfo info(const std::string& name) const;  // metadata only; reads no rows

    // Reads this rank's share of a table (see the partitioning note above).
    // `columns` empty means all. Collective when the store was opened with a comm.
    Table read(const std::string& name, const Comm& comm, const std::vector<std::string>& columns = {}) const;
    // Reads the whole table on the calling process (serial stores, tests, small tables).
    // On a store opened with a comm, every rank must call it (HDF5 metadata reads are collective).
    Table read_all(const std::string& name, const std::vector<std::string>& columns = {}) const;
    // The same share as read(), read in blocks into reused buffers (store/table_stream.hpp).
    // Opening is collective when the store was opened with a comm; the blocks are not.
    TableStream stream(const std::string& name, const Comm& comm, const std::vector<std::string>& columns) const;

    // Writes a table; collective when opened with a comm. Each rank passes its rows. For a table
    // partitioned by pid, each rank's rows must be sorted by pid and lie in that rank's buckets,
    // so that rank-order concatenation is globally sorted. Replaces an existing table of that name.
    void write(const Table& local, const Comm& comm);
    // Serial write of a complete table (import on one process).
    void write_all(const Table& table);

    // Attributes on any group path ("/synth", "/tables/population"); setters create the group.
    // On a store opened with a comm, every rank calls them with the same values.
    void set_attributes(const std::string& group, const Attributes& attrs);
    Attributes attributes(const std::string& group) const;
    void set_string_attribute(const std::string& group, const std::string& key, const std::string& value);
    std::optional<std::string> string_attribute(const std::string& group, const std::string& key) const;

    // Bytes of column data this process has read so far (for I/O accounting and tests).
    std::int64_t bytes_read() const;

    void close();

private:
    friend struct StoreAccess;  // store_impl.hpp: the genotype table code reaches the open file
    struct Impl;
    // open() without the child-process walk (store/child_probe.hpp), and that walk itself: the
    // root, every table's metadata, column datasets and dictionaries, the genotype chunk index.
    static Store open_in_process(const std::string& path, const Comm* comm, bool writable);
    static void walk_structure(const std::string& path);
    static void probe_in_child(const std::string& path, const Comm* comm);
    explicit Store(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace kohort
