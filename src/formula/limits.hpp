// Hard limits on what a formula may ask for (docs/limits.md). Each bounds work or memory that
// would otherwise grow without bound from a few characters of a job file: an exponent loops k
// times, parentheses recurse, a*b*c... multiplies terms, and factor(x) adds one design column per
// level (factor(pid) would ask for an n x n matrix). Past a limit the job stops with exit 2 and a
// message naming the limit.
#pragma once
#include <cstddef>

namespace kohort::limits {

// (a + b + c)^k: R's own models rarely use k > 3; beyond the number of terms k adds nothing.
inline constexpr long kFormulaExponent = 16;
// Parentheses nested inside each other.
inline constexpr std::size_t kFormulaNesting = 64;
// Terms after expanding *, : and ^ (before factor levels become columns).
inline constexpr std::size_t kFormulaTerms = 1024;
// Columns of one model's design matrix, factor levels included. The fits keep p x p matrices per
// thread and per risk-set bin, so p is the number that must stay modest.
inline constexpr std::size_t kDesignColumns = 2000;

}  // namespace kohort::limits
