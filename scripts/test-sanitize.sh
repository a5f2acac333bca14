#!/usr/bin/env bash
# Builds the unit and MPI test programs with AddressSanitizer and UndefinedBehaviorSanitizer into
# build-asan/ and runs them (docs/sanitizers.md). With clang (scripts/install-deps.sh installs it)
# the same build also holds the libFuzzer targets, so that scripts/fuzz-smoke.sh reuses it
# (FUZZ_BUILD=build-asan) instead of compiling the libraries a third time.
# Exit status: ctest's.
# Usage: scripts/test-sanitize.sh [CTEST_ARGS...]   e.g. scripts/test-sanitize.sh -R store
# Env:   SANITIZE_BUILD (build-asan), SANITIZE_CXX (clang++ when installed, else g++),
#        SANITIZE_OPT (-O1 -g1: see docs/sanitizers.md, "Cost", for why not -O2 -g)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
jobs=$(nproc 2>/dev/null || echo 2)
build=${SANITIZE_BUILD:-build-asan}
start=$SECONDS

cxx=${SANITIZE_CXX:-$(command -v clang++ >/dev/null 2>&1 && echo clang++ || echo g++)}
cc=$([[ $cxx == clang++* ]] && echo "${cxx/clang++/clang}" || echo "${cxx/g++/gcc}")
fuzz=OFF
targets=(unit_mpi_tests)
if [[ $cxx == clang++* ]]; then
  # KOHORT_FUZZ implies address,undefined and adds fuzzer-no-link coverage to the libraries; the
  # test programs link without libFuzzer (the sanitizer runtime defines the coverage callbacks).
  fuzz=ON
  targets+=(fuzzers)
fi
# -O1 -g1: optimised enough for the MPI tests to finish, line tables for the reports, and about
# half the compile time of -O2 -g (docs/sanitizers.md). NDEBUG as in the release build.
opt=${SANITIZE_OPT:--O1 -g1}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_C_COMPILER="$cc" \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="$opt -DNDEBUG" -DCMAKE_C_FLAGS_RELWITHDEBINFO="$opt -DNDEBUG" \
  -DKOHORT_SANITIZE=address,undefined -DKOHORT_FUZZ=$fuzz >/dev/null
for t in "${targets[@]}"; do cmake --build "$build" -j"$jobs" --target "$t"; done
echo "test-sanitize: build ($cxx, $opt; ${targets[*]}) took $((SECONDS - start)) s"

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
ctest --test-dir "$build" -L '^(unit|mpi)$' --output-on-failure -j"$jobs" "$@"
rc=$?
set -e
echo "test-sanitize: tests took $((SECONDS - t0)) s; total $((SECONDS - start)) s; ctest exit $rc"
exit $rc
