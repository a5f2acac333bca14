#!/usr/bin/env bash
# Builds kohort and its tests with AddressSanitizer and UndefinedBehaviorSanitizer into build-asan/
# and runs the unit and MPI tests there (docs/sanitizers.md). Exit status: ctest's.
# Usage: scripts/test-sanitize.sh [CTEST_ARGS...]   e.g. scripts/test-sanitize.sh -R store
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
jobs=$(nproc 2>/dev/null || echo 2)
start=$SECONDS

# RelWithDebInfo: optimised like the release build (so the tests finish), with line numbers in reports.
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKOHORT_SANITIZE=address,undefined
cmake --build build-asan -j"$jobs"
echo "test-sanitize: build took $((SECONDS - start)) s"

# detect_leaks=0: Open MPI, PMIx and hwloc keep allocations until exit by design (their own docs say
# to suppress them); LeakSanitizer would report those at every MPI_Finalize and drown a real leak.
# Memory errors (overflows, use-after-free, double free) are all still reported and fatal.
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:suppressions=$root/tests/sanitize/ubsan.supp"
# Open MPI's shared-memory transport maps segments ASan cannot see into; vader stays correct, but
# its single-copy CMA path trips ASan's ptrace checks inside containers, so it is turned off.
export OMPI_MCA_btl_vader_single_copy_mechanism=none
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 PMIX_MCA_psec=native
# KOHORT_HUGEPAGES=0: no re-exec with glibc tunables under ASan's allocator.
export KOHORT_HUGEPAGES=0

t0=$SECONDS
set +e
ctest --test-dir build-asan -L '^(unit|mpi)$' --output-on-failure -j"$jobs" "$@"
rc=$?
set -e
echo "test-sanitize: tests took $((SECONDS - t0)) s; total $((SECONDS - start)) s; ctest exit $rc"
exit $rc
