// Factor levels agreed across ranks: every rank sends the distinct levels of its used rows, all
// ranks take the union and sort it, so a level seen on one rank only still gets the same index
// (and so the same design-matrix column) everywhere. Communication grows with the number of
// distinct levels, never with the number of rows.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mpi/comm.hpp"
#include "store/table.hpp"

namespace kohort {

struct AgreedLevels {
    // Global levels in sort order: numbers numerically (int64, double, date in days), bool as
    // FALSE < TRUE, categorical labels in plain byte order.
    std::vector<std::string> labels;
    std::vector<std::int32_t> index;  // per used local row: its level's position in `labels`

    // Position of the level named by `ref` (as written in factor(x, ref=L)), or nullopt.
    // Numeric columns compare numerically (ref=2 matches 2.0); bool accepts TRUE/FALSE/T/F/1/0.
    std::optional<std::size_t> find(const std::string& ref) const;

    // For messages: "a, b, c" (at most `max` levels, then how many more).
    std::string list(std::size_t max = 20) const;

    ColumnType type = ColumnType::Categorical;
    std::vector<double> values;  // numeric value of each level (empty for categorical)
};

// Collective over comm. `rows` are the local row numbers in use (no missing values among them).
AgreedLevels agree_levels(const Column& column, const std::vector<std::size_t>& rows, const Comm& comm);

}  // namespace kohort
