// The share of n items a thread takes when a loop's items are split into contiguous runs in order
// (thread t of `threads` takes [begin, end)): the split that keeps per-thread partial results in
// row order, so combining them thread by thread gives what one thread would.
#pragma once
#include <cstddef>
#include <utility>

namespace kohort {

inline std::pair<std::size_t, std::size_t> thread_share(std::size_t n, int t, int threads) {
    return {n * static_cast<std::size_t>(t) / static_cast<std::size_t>(threads),
            n * static_cast<std::size_t>(t + 1) / static_cast<std::size_t>(threads)};
}

}  // namespace kohort
