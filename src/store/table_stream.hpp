// Reading this rank's share of a stored table in blocks of rows (Store::stream).
//
// A scan that touches every row once (the cohort builder's register scan) need not hold a
// register in memory: it reads a block into buffers it reuses, scans it while it is in cache, and
// reads the next. Peak memory is then one block whatever the register's size, and no fresh page
// is faulted in per row read -- on virtual machines a page fault costs microseconds, and faulting
// in and zeroing whole-register buffers cost more than reading the file
// (docs/benchmarks-cohort.md).
//
// Opening (Store::stream) and destroying a stream are collective on a store opened with a comm:
// HDF5 metadata is read collectively. next() reads raw data only, independently per rank, so
// ranks with shares of different sizes may call it different numbers of times.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>

#include "store/table.hpp"

namespace kohort {

class TableStream {
public:
    TableStream(TableStream&&) noexcept;
    TableStream& operator=(TableStream&&) noexcept;
    ~TableStream();

    // Rows in this rank's share, and how many of them next() has returned so far.
    std::int64_t rows() const;
    std::int64_t rows_read() const;
    bool partitioned_by_pid() const;

    // Reads the next min(max_rows, rows() - rows_read()) rows into `block`, whose columns are the
    // requested ones in the requested order (categorical dictionaries filled on the first call).
    // Buffers are resized, never shrunk in capacity, so a block reused across calls allocates and
    // faults in its pages once. Returns the rows read; 0 once the share is exhausted.
    std::size_t next(Table& block, std::size_t max_rows);

    struct Impl;

private:
    friend class Store;
    explicit TableStream(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace kohort
