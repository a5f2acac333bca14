// Sums over a column of doubles in kColumnLanes independent partial sums, combined in a fixed
// order at the end. One running sum is a chain of dependent additions (four cycles each), which
// held such passes to about one value per cycle, well under the memory's speed; independent lanes
// let the compiler keep them in one vector register. The order is fixed, so the result is the same
// on every run and for any split of the work that starts its parts at multiples of the lane count.
#pragma once
#include <algorithm>
#include <cstddef>
#include <limits>

namespace kohort {

constexpr std::ptrdiff_t kColumnLanes = 8;

inline double combine_column_lanes(const double (&lane)[kColumnLanes]) {
    return ((lane[0] + lane[1]) + (lane[2] + lane[3])) + ((lane[4] + lane[5]) + (lane[6] + lane[7]));
}

// Weighted sum, minimum and maximum of x[0 .. n) in one read; weight(i) gives row i's weight
// (a constant 1 gives the plain sum: 1 x is x exactly).
struct ColumnRange {
    double weighted_sum, min, max;
};

template <typename Weight>
ColumnRange column_range(const double* x, std::ptrdiff_t n, Weight weight) {
    constexpr std::ptrdiff_t L = kColumnLanes;
    double s[L] = {}, lo[L], hi[L];
    std::fill(lo, lo + L, std::numeric_limits<double>::infinity());
    std::fill(hi, hi + L, -std::numeric_limits<double>::infinity());
    auto add = [&](std::ptrdiff_t i, std::ptrdiff_t l) {
        s[l] += weight(i) * x[i];
        lo[l] = std::min(lo[l], x[i]);
        hi[l] = std::max(hi[l], x[i]);
    };
    std::ptrdiff_t i = 0;
    for (; i + L <= n; i += L)
        for (std::ptrdiff_t l = 0; l < L; ++l) add(i + l, l);
    for (std::ptrdiff_t l = 0; i < n; ++i, ++l) add(i, l);
    return {combine_column_lanes(s), *std::min_element(lo, lo + L), *std::max_element(hi, hi + L)};
}

inline ColumnRange column_range(const double* x, std::ptrdiff_t n) {
    return column_range(x, n, [](std::ptrdiff_t) { return 1.0; });
}

}  // namespace kohort
