// Keeping exceptions inside OpenMP regions. An exception that leaves a parallel region, or a
// worksharing loop's iteration, ends the program with std::terminate (OpenMP 5.2, section 1.4.4:
// "a throw executed inside a region must cause execution to resume within the same region, and the
// same thread that threw the exception must catch it"). So every region whose body can throw, be
// it only std::bad_alloc, runs that body through OmpExceptions::run, and the thread that started
// the region calls rethrow() after it: the first exception caught is rethrown there, on the caller's
// thread, where the ordinary error path (exit codes, MPI abort) takes over.
//
//   OmpExceptions errors;
//   #pragma omp parallel for
//   for (i ...) errors.run([&] { body(i); });
//   errors.rethrow();
//
// Inside `#pragma omp parallel` with a nested `#pragma omp for`, wrap the code before the loop and
// each iteration separately: every thread must still reach the loop and its barrier.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>

namespace kohort {

class OmpExceptions {
public:
    // Runs f(), catching whatever it throws; after a failure, later calls skip their work (the
    // region's result is thrown away anyway), so a failing loop ends quickly.
    template <typename F>
    void run(F&& f) noexcept {
        if (failed_.load(std::memory_order_relaxed)) return;
        try {
            f();
        } catch (...) {
            keep(std::current_exception());
        }
    }
    // For loops whose error must not depend on the thread count: runs every f() (none is skipped)
    // and keeps the exception of the lowest `order` (say the column index), not the first in time.
    template <typename F>
    void run_at(std::size_t order, F&& f) noexcept {
        try {
            f();
        } catch (...) {
            keep(std::current_exception(), order);
        }
    }
    bool failed() const noexcept { return failed_.load(std::memory_order_relaxed); }
    // Call after the region, on the thread that started it.
    void rethrow() const {
        if (first_) std::rethrow_exception(first_);
    }

private:
    void keep(std::exception_ptr e, std::size_t order = SIZE_MAX) noexcept {
#pragma omp critical(kohort_omp_exceptions)
        {
            if (!first_ || order < order_) {
                first_ = std::move(e);
                order_ = order;
            }
        }
        failed_.store(true, std::memory_order_relaxed);
    }
    std::exception_ptr first_;
    std::size_t order_ = SIZE_MAX;
    std::atomic<bool> failed_{false};
};

}  // namespace kohort
