// Small helpers to build in-memory tables for the model-frame tests.
#pragma once
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "store/table.hpp"

namespace kohort::testing {

inline const double NA = std::nan("");
using OptStr = std::optional<std::string>;

Column dbl(const std::string& name, const std::vector<double>& v);                   // NaN = missing
Column i64(const std::string& name, const std::vector<double>& v);                   // NaN = missing
Column boolean(const std::string& name, const std::vector<double>& v);               // 0/1, NaN = missing
Column date(const std::string& name, const std::vector<double>& days);               // NaN = missing
// Categorical; the dictionary lists labels in order of first appearance unless given.
Column cat(const std::string& name, const std::vector<OptStr>& v, std::vector<std::string> dictionary = {});

// Rows [begin, end) of `t` as a new table; categorical columns get a dictionary of only the labels
// in those rows, in reverse order of first appearance (so codes differ from rank to rank).
Table slice(const Table& t, std::size_t begin, std::size_t end);

// CSV with a header, NA for missing, dates as ISO, bools as TRUE/FALSE (readable by R's read.csv).
void write_csv(const Table& t, const std::string& path);

}  // namespace kohort::testing
