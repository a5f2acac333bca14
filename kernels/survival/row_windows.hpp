// Putting rows in exit order in two passes, as a two-pass radix sort does: first by window of their
// new position (W rows, a few hundred windows), then each row to its place inside its window.
//
// A one-pass scatter writes every value to its exit key's run, 7,000-22,000 runs at once at 4M
// rows: each store goes to a line the core's caches no longer hold. Grouping by window first writes
// to a few hundred places at once, and the second pass writes inside one window of W x 8 bytes,
// which stays in cache while it fills. On an AMD EPYC (Zen 2) VM this took the Cox set-up from
// 0.31-0.33 s to 0.23-0.26 s at 4M rows x 20 on 2 ranks, and from 1.51-1.55 s to 0.96-0.99 s at
// 16M (docs/benchmarks-cox.md, "Rows move in two passes"). Used by the Cox move between ranks
// (cox_distribute.cpp: the sender groups, the receiver places) and by the reorder on one rank
// (cox_rows.cpp: group_by_window, then lay_out_windows).
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

namespace kohort {

// W for rows that a sender spreads over `ranks` destinations of at most `most_rows` rows each: about
// kWindowsInAll windows in all, so W = ranks x most_rows / kWindowsInAll. At 2 ranks and 2M rows a
// rank that is about 7,800 rows, 62 KB of a column. W is a whole number of cache lines (8 rows) and
// an odd number of them: windows a power of two apart in the send buffer made the sender's places
// compete for the same cache sets, and its pack took twice as long at 8M rows a rank (traced). Never
// below 4,104 rows, and below 2^30, so that a place inside a window fits in 32 bits. Tuned at 2
// ranks (traced, 4M and 16M rows): with half as many windows the set-up took 0.26-0.27 s against
// 0.23-0.26 s at 4M; with twice as many about the same.
inline constexpr std::int64_t kWindowsInAll = 512;
inline std::int64_t window_rows(int ranks, std::int64_t most_rows) {
    const std::int64_t lines = std::clamp<std::int64_t>(ranks * most_rows / (8 * kWindowsInAll), 512, (std::int64_t{1} << 27) - 2);
    return 8 * (lines | 1);
}

// pos / W and pos - (pos / W) W without a 64-bit division per row (tens of cycles each): the
// quotient through a double, then corrected by one.
struct WindowOf {
    std::int64_t rows;
    double per_row;
    explicit WindowOf(std::int64_t w) : rows(w), per_row(1.0 / static_cast<double>(w)) {}
    std::int64_t operator()(std::int64_t pos) const {
        auto q = static_cast<std::int64_t>(static_cast<double>(pos) * per_row);
        if (q * rows > pos) --q;
        else if ((q + 1) * rows <= pos) ++q;
        return q;
    }
};

// A reorder on one rank in two passes, for a permutation of n rows (row k to new position
// dest[k]): rewrites dest[k] to row k's slot when the rows are grouped by window of their new
// position (window w's slots are [w W, w W + W), its rows in row order), and returns each slot's
// place inside its window. Then a value of row k goes first to slot dest[k] and from there, window
// by window, to its place (lay_out_windows).
inline std::vector<std::int32_t> group_by_window(std::vector<std::int64_t>& dest, std::int64_t window) {
    const auto n = static_cast<std::int64_t>(dest.size());
    const WindowOf window_of(window);
    std::vector<std::int64_t> next((n + window - 1) / window);
    for (std::size_t w = 0; w < next.size(); ++w) next[w] = static_cast<std::int64_t>(w) * window;
    std::vector<std::int32_t> place(dest.size());
    for (std::int64_t& d : dest) {
        const std::int64_t w = window_of(d);
        const std::int64_t slot = next[static_cast<std::size_t>(w)]++;
        place[static_cast<std::size_t>(slot)] = static_cast<std::int32_t>(d - w * window);
        d = slot;
    }
    return place;
}

// The second pass for `count` values of one window: window[at[i]] = f(from[i]).
template <typename T, typename F>
void place_in_window(const T* from, const std::int32_t* at, std::int64_t count, T* window, F f) {
    for (std::int64_t i = 0; i < count; ++i) window[at[i]] = f(from[i]);
}

// The second pass on one rank: out[w W + place[s]] = f(grouped[s]) for the slots s of each window w.
template <typename T, typename F>
void lay_out_windows(const T* grouped, const std::vector<std::int32_t>& place, std::int64_t window, T* out, F f) {
    const auto n = static_cast<std::int64_t>(place.size());
    for (std::int64_t first = 0; first < n; first += window)
        place_in_window(grouped + first, place.data() + first, std::min(window, n - first), out + first, f);
}

}  // namespace kohort
