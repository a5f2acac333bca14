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
#include <cstdint>
#include <vector>

#include "mpi/comm.hpp"

namespace kohort {

class EventTimeIndex {
public:
    EventTimeIndex() = default;

    // Builds the index from (stratum, time) pairs that are already global (any order, duplicates
    // allowed). n_strata is the number of strata; strata without events get an empty block.
    static EventTimeIndex from_pairs(int n_strata, const std::vector<std::int32_t>& strata,
                                     const std::vector<double>& times);

    // Collective over comm: the distinct event times (status[i] != 0) of every rank's rows.
    // strata/stop/status describe this rank's rows (n each); stratum indices are global.
    static EventTimeIndex gather(const Comm& comm, int n_strata, const std::int32_t* strata,
                                 const double* stop, const std::int32_t* status, std::size_t n);

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

// A 64-bit mix of a stratum and a time's bit pattern (splitmix64's finaliser), for hash tables
// of (stratum, time) keys. +0.0 and -0.0 give the same key.
std::uint64_t time_key_hash(std::int32_t stratum, double t, std::uint64_t* bits_out);

}  // namespace kohort
