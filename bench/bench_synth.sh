#!/usr/bin/env bash
# Benchmark of `kohort synth`: 1M persons (~30M register rows) on 2 MPI ranks.
# Prints wall time, rows/s and peak RSS per rank (from kohort's own getrusage report and from
# /usr/bin/time per rank when available). Results are recorded in docs/benchmarks-synth.md.
#
# Usage: bench/bench_synth.sh [KOHORT_BINARY] [PERSONS] [RANKS]
#   env: OUT_DIR (default /tmp/kohort-bench-synth), OMP_NUM_THREADS (default 1 per rank),
#        MPIEXEC (default mpirun), REPEATS (default 3)
set -euo pipefail
# mpirun on one host: PMIx native security (with munge installed but no munged running, PMIx
# would retry munge for ~2.4 s per launch, which is not the engine's time).
export PMIX_MCA_psec=${PMIX_MCA_psec:-native}
here="$(cd "$(dirname "$0")" && pwd)"
kohort="${1:-$here/../build/bin/kohort}"
persons="${2:-1000000}"
ranks="${3:-2}"
out_dir="${OUT_DIR:-/tmp/kohort-bench-synth}"
repeats="${REPEATS:-3}"
mpiexec="${MPIEXEC:-mpirun}"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
[ -x "$kohort" ] || { echo "bench_synth: no kohort binary at $kohort (build first)" >&2; exit 2; }
mkdir -p "$out_dir"
store="$out_dir/synth_${persons}.h5"

echo "machine: $(getconf _NPROCESSORS_ONLN) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "command: $mpiexec --oversubscribe --allow-run-as-root -np $ranks $kohort synth --persons $persons --seed 1 --out $store"
rss_log="$out_dir/time.log"
timer=()
[ -x /usr/bin/time ] && timer=(/usr/bin/time -a -o "$rss_log" -f "rank: peak RSS %M KiB, %e s wall, %U s user, %S s system")
best=""
for r in $(seq 1 "$repeats"); do
    rm -f "$store" "$rss_log"
    start=$(date +%s.%N)
    "$mpiexec" --oversubscribe --allow-run-as-root -np "$ranks" "${timer[@]}" \
        "$kohort" synth --persons "$persons" --seed 1 --out "$store" --quiet > "$out_dir/run_$r.log" 2>&1
    end=$(date +%s.%N)
    wall=$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.3f", b - a}')
    rows=$(sed -n 's/.*population \([0-9]*\), diagnoses \([0-9]*\), prescriptions \([0-9]*\).*/\1 \2 \3/p' "$out_dir/run_$r.log" |
           awk '{print $1 + $2 + $3}')
    printf "run %d: wall %.2f s (mpirun to exit), %d rows, %.2fM rows/s\n" "$r" "$wall" "$rows" "$(awk -v r="$rows" -v w="$wall" 'BEGIN {print r / w / 1e6}')"
    grep -E "^wrote|^peak RSS" "$out_dir/run_$r.log" | sed 's/^/    /'
    [ -f "$rss_log" ] && sed 's/^/    \/usr\/bin\/time /' "$rss_log"
    if [ -z "$best" ] || awk -v w="$wall" -v b="$best" 'BEGIN {exit !(w < b)}'; then best=$wall; fi
done
printf "best wall: %.2f s for %d persons on %d ranks; store %s\n" "$best" "$persons" "$ranks" "$(du -h "$store" | cut -f1)"
rm -f "$store"
