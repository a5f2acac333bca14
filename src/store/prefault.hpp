// Faulting in a fresh buffer with one system call instead of one page fault per 4 KiB page.
//
// On virtual machines a page fault costs microseconds (docs/benchmarks-cohort.md measured 0.2 GB/s
// for first writes to 4 KiB pages, 0.5 GB/s to transparent huge pages, on the project VM), so a
// buffer that will be written whole is first advised for huge pages and then populated with
// MADV_POPULATE_WRITE (Linux 5.14), which maps every page in one call. Advice only: on an older
// kernel, or without THP, both calls fail harmlessly and the pages fault in as usual.
//
// The kernel zeroes each new page in the faulting thread, so a large buffer is populated by the
// rank's threads together, each a contiguous share of whole huge pages: one rank with several
// threads then faults about as fast as as many ranks (on the project VM, 704 MiB took 0.69-1.19 s
// on one thread and 0.42 s on two). Inside a parallel region the calling thread does it alone.
#pragma once
#include <sys/mman.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include <algorithm>
#include <cstdint>
#include <vector>

#include "store/table.hpp"

namespace kohort {

inline void prefault_bytes(void* data, std::size_t bytes) {
#if defined(MADV_HUGEPAGE)
    constexpr std::uintptr_t page = 4096, huge = std::uintptr_t{2} << 20;
    const auto begin = reinterpret_cast<std::uintptr_t>(data), end = begin + bytes;
    if (data == nullptr || bytes < huge) return;  // small buffers: not worth a system call
    const std::uintptr_t hfirst = (begin + huge - 1) & ~(huge - 1), hlast = end & ~(huge - 1);
    if (hlast > hfirst) madvise(reinterpret_cast<void*>(hfirst), hlast - hfirst, MADV_HUGEPAGE);
#ifndef MADV_POPULATE_WRITE
#define KOHORT_MADV_POPULATE_WRITE 23  // linux/mman.h, Linux 5.14
#else
#define KOHORT_MADV_POPULATE_WRITE MADV_POPULATE_WRITE
#endif
    const std::uintptr_t first = (begin + page - 1) & ~(page - 1), last = end & ~(page - 1);
    if (last <= first) return;
    const auto populate = [](std::uintptr_t a, std::uintptr_t e) {
        if (e > a) madvise(reinterpret_cast<void*>(a), e - a, KOHORT_MADV_POPULATE_WRITE);
    };
#ifdef _OPENMP
    // Shares of at least 4 huge pages (a thread's start costs microseconds; 8 MiB of faults, ms).
    const auto pieces = static_cast<int>(std::min<std::uintptr_t>(
        omp_in_parallel() ? 1 : static_cast<std::uintptr_t>(omp_get_max_threads()), (last - first) / (4 * huge)));
    if (pieces > 1) {
        const std::uintptr_t share = ((last - first) / static_cast<std::uintptr_t>(pieces) + huge - 1) & ~(huge - 1);
#pragma omp parallel for num_threads(pieces) schedule(static, 1)
        for (int k = 0; k < pieces; ++k) {
            const std::uintptr_t a = first + static_cast<std::uintptr_t>(k) * share;
            populate(std::min(a, last), std::min(a + share, last));
        }
        return;
    }
#endif
    populate(first, last);
#endif
}

// Hands the whole pages inside [data, data + bytes) back to the kernel (MADV_DONTNEED) while the
// allocation stays valid: for a large buffer whose contents are no longer needed but which is freed
// only later (a column of a matrix already copied elsewhere). Pages freed this way are reused by
// the next first writes of this process at memory speed, where pages the process never touched
// cost a page fault through the hypervisor (about 0.6 GB/s on the project VM, docs/benchmarks-cox.md);
// it also keeps the old and the new buffer from being resident in full together. Reading the
// range afterwards gives zeros. Advice only: where it fails nothing changes.
inline void release_pages(void* data, std::size_t bytes) {
    constexpr std::uintptr_t page = 4096;
    const auto begin = reinterpret_cast<std::uintptr_t>(data), end = begin + bytes;
    if (data == nullptr || bytes < (std::uintptr_t{2} << 20)) return;  // small: not worth a system call
    const std::uintptr_t first = (begin + page - 1) & ~(page - 1), last = end & ~(page - 1);
    if (last > first) madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);
}

// v.reserve(n), with the new capacity faulted in at once when it is large.
template <class T>
void reserve_prefaulted(std::vector<T>& v, std::size_t n) {
    if (n <= v.capacity()) return;
    v.reserve(n);
    prefault_bytes(v.data(), v.capacity() * sizeof(T));
}

// The column's buffer (chosen by its type) reserved for n values, faulted in at once.
inline void reserve_prefaulted(Column& c, std::size_t n) {
    c.visit_buffer([n](auto& v) { reserve_prefaulted(v, n); });
}

}  // namespace kohort
