// The one global ordering of distinct event times per stratum, shared by every rank of a fit.
//
// Survival estimators (Cox partial likelihood, Kaplan-Meier, Aalen-Johansen) only change at event
// times, so per-time sums over the risk set are indexed by these "bins". Every rank builds the
// same index from an allgatherv of its distinct (stratum, event time) pairs: communication is
// O(ranks x distinct local event times), independent of the number of censored rows.
//
// Bins are laid out stratum by stratum; within a stratum the times ascend. Row-to-bin lookups are
// binary searches inside the row's stratum block.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "mpi/comm.hpp"

namespace kohort {

// Whole-number times (days or months, the usual registry units) within a bounded range, as cells
// of a dense (stratum, time) table: a row's bin is then one load instead of a hash and a binary
// search, and an event time is one mark instead of a hash-set insert. Times that are not whole
// numbers, or lie outside the range, have no cell and take the general path.
class WholeTimeGrid {
public:
    static constexpr std::int64_t kMaxCells = std::int64_t{1} << 22;  // 32 MiB of int64 bins at most

    // Widens the range by t when t is a whole number (infinities widen it past kMaxCells).
    void add(double t) {
        if (t == std::floor(t)) {
            lo_ = std::min(lo_, t);
            hi_ = std::max(hi_, t);
        }
    }
    // The same for each of t[0 .. n), with the range kept in independent lanes (one running minimum
    // and maximum are chains of dependent steps, which held this loop to a few cycles per time).
    void add(const double* t, std::size_t n);
    // Widens the range to cover another grid's (before close): grids over parts of the times
    // combine to the grid over all of them, in any order.
    void widen(const WholeTimeGrid& other) {
        lo_ = std::min(lo_, other.lo_);
        hi_ = std::max(hi_, other.hi_);
    }
    // Fixes the grid for n_strata strata; it stays empty when the range holds no time or strata x
    // range exceeds kMaxCells.
    void close(int n_strata);
    bool empty() const { return width_ == 0; }
    std::int64_t cells() const { return width_ * strata_; }
    double lo() const { return lo_; }
    std::int64_t width() const { return width_; }
    // The cell of (stratum, t), or -1 when t has none (not a whole number, out of range, NaN).
    std::int64_t cell(int stratum, double t) const {
        if (!(t >= lo_ && t <= hi_)) return -1;
        const double d = t - lo_;  // exact: both are whole numbers below 2^53 in magnitude
        const auto k = static_cast<std::int64_t>(d);
        return static_cast<double>(k) == d ? stratum * width_ + k : -1;
    }

private:
    double lo_ = std::numeric_limits<double>::infinity(), hi_ = -std::numeric_limits<double>::infinity();
    std::int64_t width_ = 0;
    std::int64_t strata_ = 0;
};

class EventTimeIndex {
public:
    EventTimeIndex() = default;

    // Builds the index from (stratum, time) pairs that are already global (any order, duplicates
    // allowed). n_strata is the number of strata; strata without events get an empty block.
    static EventTimeIndex from_pairs(int n_strata, const std::vector<std::int32_t>& strata,
                                     const std::vector<double>& times);

    // Collective over comm: the distinct event times (status[i] != 0) of every rank's rows.
    // strata/stop/status describe this rank's rows (n each); stratum indices are global. strata may
    // be null: every row in stratum 0 (one stratum needs no vector of zeros).
    static EventTimeIndex gather(const Comm& comm, int n_strata, const std::int32_t* strata,
                                 const double* stop, const std::int32_t* status, std::size_t n);
    // The same, with event times on the grid's cells marked instead of hashed: any grid gives the
    // same index (a caller that has one over its rows' times passes it; the form above builds one
    // over the event times).
    static EventTimeIndex gather(const Comm& comm, int n_strata, const std::int32_t* strata, const double* stop,
                                 const std::int32_t* status, std::size_t n, const WholeTimeGrid& grid);

    int n_strata() const { return static_cast<int>(begin_.size()) - 1; }
    std::int64_t size() const { return static_cast<std::int64_t>(times_.size()); }
    double time(std::int64_t bin) const { return times_[static_cast<std::size_t>(bin)]; }
    const std::vector<double>& times() const { return times_; }
    std::int32_t stratum_of(std::int64_t bin) const { return stratum_[static_cast<std::size_t>(bin)]; }
    std::int64_t begin(int stratum) const { return begin_[static_cast<std::size_t>(stratum)]; }
    std::int64_t end(int stratum) const { return begin_[static_cast<std::size_t>(stratum) + 1]; }
    bool stratum_has_events(int stratum) const { return end(stratum) > begin(stratum); }

    // The bin of the last event time <= t in the stratum, or -1 when there is none.
    std::int64_t last_at_or_before(int stratum, double t) const;
    // The bin of the first event time > t in the stratum; end(stratum) when there is none.
    std::int64_t first_after(int stratum, double t) const;
    // The bin whose time equals t exactly, or -1.
    std::int64_t find(int stratum, double t) const;

private:
    std::vector<double> times_;          // bins, stratum blocks in stratum order
    std::vector<std::int32_t> stratum_;  // stratum of each bin
    std::vector<std::int64_t> begin_;    // n_strata + 1 offsets into times_
};

// last_at_or_before for many rows, remembering the answer per (stratum, time) in a small
// direct-mapped table: registry times are whole days and repeat heavily (millions of rows, a few
// thousand distinct times), so most rows are a table hit instead of a binary search. A miss
// (continuous times) costs one hash more than the plain search. Not shared between threads.
class CachedLastBin {
public:
    explicit CachedLastBin(const EventTimeIndex& index) : index_(index), slots_(kSlots) {}
    std::int64_t operator()(int stratum, double t);

private:
    static constexpr std::size_t kSlots = std::size_t{1} << 14;
    struct Slot {
        std::uint64_t bits = 0;
        std::int32_t stratum = -1;  // -1: empty
        std::int64_t bin = 0;
    };
    const EventTimeIndex& index_;
    std::vector<Slot> slots_;
};

// Bin lookups for many rows: a table over the grid's cells (built in O(cells + bins)) where the
// rows' times are whole numbers in a bounded range, and CachedLastBin for the other times. Gives
// exactly EventTimeIndex's answers. The table is only read: threads share it, each with its own
// cache (new_cache(); the cache is written on every miss).
class RowBinLookup {
public:
    RowBinLookup(const EventTimeIndex& index, const WholeTimeGrid& grid);
    CachedLastBin new_cache() const { return CachedLastBin(index_); }
    std::int64_t last_at_or_before(int stratum, double t, CachedLastBin& cache) const {
        const std::int64_t c = grid_.cell(stratum, t);
        return c >= 0 ? table_[static_cast<std::size_t>(c)] : cache(stratum, t);
    }
    // The first bin after t: the one after the last at or before t, or the stratum's first bin.
    std::int64_t first_after(int stratum, double t, CachedLastBin& cache) const {
        const std::int64_t last = last_at_or_before(stratum, t, cache);
        return last < 0 ? index_.begin(stratum) : last + 1;
    }
    // The same through the lookup's own cache (one thread).
    std::int64_t last_at_or_before(int stratum, double t) { return last_at_or_before(stratum, t, cached_); }
    std::int64_t first_after(int stratum, double t) { return first_after(stratum, t, cached_); }

private:
    const EventTimeIndex& index_;
    WholeTimeGrid grid_;
    std::vector<std::int64_t> table_;
    CachedLastBin cached_;
};

// A 64-bit mix of a stratum and a time's bit pattern (splitmix64's finaliser), for hash tables
// of (stratum, time) keys. +0.0 and -0.0 give the same key.
std::uint64_t time_key_hash(std::int32_t stratum, double t, std::uint64_t* bits_out);

}  // namespace kohort
