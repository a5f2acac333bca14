// Scanning one register for every study variable defined on it.
//
// The scan is a merge join of the register's pid-sorted rows with the rank's pid-sorted persons,
// fed block by block (Store::stream), so a register streams through a cache-sized buffer once
// instead of being held in memory. Code lists are matched against each code column's dictionary
// once (code_match.hpp) into a per-code bit mask, one bit per variable: a row costs one load of its
// int32 code and one mask lookup, and only rows whose code some variable wants go further. Within a
// block, OpenMP threads take pid-aligned slices, so each person's values are written by one thread.
#pragma once
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "kernels/linkage/study_definition.hpp"
#include "store/table.hpp"

namespace kohort::linkage {

// One variable's value for every person of the rank (only the vectors its kind needs are sized).
struct VariableValues {
    const VariableDef* def = nullptr;
    bool window_relative = true;   // false for the index variable (there is no index date yet)
    std::vector<std::int32_t> first, last;  // first date also records "any": first != missing
    std::vector<std::int64_t> count;
    std::vector<double> sum;
    std::size_t matched_codes = 0;     // dictionary entries its code list matches
    std::size_t dictionary_size = 0;

    void size_for(std::size_t persons);
    bool has(std::size_t p) const { return first[p] != kMissingDate; }
};

struct ScanStats {
    std::int64_t rows = 0, linked = 0;
    std::int32_t min_date = std::numeric_limits<std::int32_t>::max();
    std::int32_t max_date = std::numeric_limits<std::int32_t>::min();
    bool unsorted = false;  // a pid smaller than the one before it: the merge join does not hold
    void merge(const ScanStats& o);
};

class RegisterScan {
public:
    // `range_column`: the date column whose smallest and largest values are recorded (the data range).
    RegisterScan(const std::vector<std::int64_t>& person_pid, const std::vector<std::uint8_t>& active,
                 const std::vector<std::int32_t>& index, std::vector<VariableValues*> vars,
                 std::string range_column);

    // The columns a block must hold: pid, then every variable's date, code and summed column.
    const std::vector<std::string>& columns() const { return columns_; }

    // Scans the next rows of the register (pid order continues from the previous block).
    void feed(const Table& block);

    // Forgets everything fed so far and empties the variables (before a re-scan).
    void reset();

    const ScanStats& stats() const { return stats_; }

private:
    struct CodeGroup {
        std::string column;
        std::vector<std::size_t> vars;     // bit b of a mask -> vars_[vars[b]]
        std::vector<std::uint32_t> mask;   // per dictionary code
    };
    void prepare(const Table& block);
    ScanStats scan_rows(std::size_t lo, std::size_t hi) const;

    const std::vector<std::int64_t>& person_pid_;
    const std::vector<std::uint8_t>& active_;
    const std::vector<std::int32_t>& index_;
    std::vector<VariableValues*> vars_;
    std::string range_column_;
    std::vector<std::string> columns_;
    std::vector<CodeGroup> groups_;
    bool prepared_ = false;
    ScanStats stats_;
    std::int64_t last_pid_ = std::numeric_limits<std::int64_t>::min();

    // The current block's buffers.
    const std::int64_t* pid_ = nullptr;
    const std::int32_t* range_dates_ = nullptr;
    std::vector<const std::int32_t*> group_codes_;  // per group
    std::vector<const std::int32_t*> var_dates_;    // per variable
    std::vector<const Column*> var_sums_;           // per variable (sum only)
};

}  // namespace kohort::linkage
