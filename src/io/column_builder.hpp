// Turns one CSV column (field views) into a typed store Column: infers the type over all rows, or
// applies a type forced by --schema, and converts. Rules in docs/import.md ("Type inference").
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/table.hpp"

namespace kohort::io {

// A value that does not fit its column's type (0-based row; the caller maps it to a file line).
struct ValueError {
    std::size_t row = 0;
    std::string message;  // never contains the value itself
};

struct BuiltColumn {
    Column column;
    bool inferred = true;
    // For an inferred categorical column whose first values fitted another type: the row that
    // broke it and the type it broke ("date", ...), so import can say why it is categorical.
    std::optional<std::size_t> broken_at_row;
    std::string broken_type;
    std::optional<ValueError> error;  // set instead of a usable column
};

// Infers the column type over all values: bool, then int64, double, date; otherwise categorical.
// An all-missing column is bool (as R's read.csv makes it logical).
ColumnType infer_column_type(const std::vector<std::string_view>& values, char decimal,
                             std::optional<std::size_t>* broken_at_row = nullptr,
                             std::string* broken_type = nullptr);

BuiltColumn build_column(const std::string& name, const std::vector<std::string_view>& values,
                         std::optional<ColumnType> forced, char decimal);

}  // namespace kohort::io
