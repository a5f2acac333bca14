#!/usr/bin/env bash
# Store load throughput: writes a pid-partitioned register-style table of ROWS rows collectively on
# RANKS ranks, then reads it back (each rank its own bucket range, collective MPI-IO) and prints
# GB/s and peak memory per rank. Used for docs/benchmarks-store.md.
#
#   bench/bench_load.sh [ROWS] [RANKS]           (defaults: 30000000 rows, 2 ranks)
#
# Env: BUILD (build folder, default build), BENCH_DIR (scratch, default /tmp/kohort-bench-load),
# DROP_CACHES=1 to also time a read with the page cache dropped (needs root).
# The table has 24 bytes per row (pid int64, date int32, atc categorical int32, ddd double), so
# 30M rows are 720 MB.
set -euo pipefail
# mpirun on one host: PMIx native security (with munge installed but no munged running, PMIx
# would retry munge for ~2.4 s per launch, which is not the engine's time).
export PMIX_MCA_psec=${PMIX_MCA_psec:-native}
ROWS=${1:-30000000}
RANKS=${2:-2}
HERE=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$HERE/build}
DIR=${BENCH_DIR:-/tmp/kohort-bench-load}
MPIRUN=(mpirun --oversubscribe --allow-run-as-root -np "$RANKS")
mkdir -p "$DIR"

BIN=$BUILD/bin/bench_store_load
if ! cmake --build "$BUILD" --target bench_store_load >/dev/null 2>&1; then
    BIN=$DIR/bench_store_load
    {
        # bench/ is not part of this CMake build: compile against the store libraries directly.
        cmake --build "$BUILD" --target kohort_store >/dev/null
        mpicxx -O2 -std=c++20 -I"$HERE/src" -I"$HERE" $(pkg-config --cflags hdf5-openmpi eigen3) -fopenmp \
            "$HERE/bench/bench_store_load.cpp" "$BUILD/lib/libkohort_store.a" "$BUILD/lib/libkohort_mpi.a" \
            $(pkg-config --libs hdf5-openmpi) -lfmt -o "$BIN"
    }
fi

STORE=$DIR/load_${ROWS}.h5
echo "# machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "# file system of $DIR: $(df -T "$DIR" | awk 'NR==2 {print $2}')"
echo "# $(mpirun --version | head -1); HDF5 $(pkg-config --modversion hdf5-openmpi)"
OMP_NUM_THREADS=1 "${MPIRUN[@]}" "$BIN" write "$STORE" "$ROWS"
echo "# store file: $(du -h "$STORE" | cut -f1)"
for rep in 1 2 3; do
    OMP_NUM_THREADS=1 "${MPIRUN[@]}" "$BIN" read "$STORE" | sed "s/^read/read(warm,$rep)/"
done
if [ "${DROP_CACHES:-0}" = 1 ]; then
    sync
    if echo 3 > /proc/sys/vm/drop_caches 2>/dev/null; then
        OMP_NUM_THREADS=1 "${MPIRUN[@]}" "$BIN" read "$STORE" | sed 's/^read/read(cold)/'
    else
        echo "# could not drop the page cache (not root); cold read skipped"
    fi
fi
rm -f "$STORE"
