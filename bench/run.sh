#!/usr/bin/env bash
# Regression benchmarks for CI (contract section 10; issue 14, point 5).
#
#   bench/run.sh [--quick] [--baseline FILE] --json FILE
#
# For each benchmark (CSV import, Cox Efron, stratified Cox Breslow, logistic and Poisson GLM,
# stratified Kaplan-Meier; 20 covariates):
#   wall_seconds   best of REPEATS runs from launcher start to exit (mpirun -np RANKS; the import
#                  is one process), on WALL_ROWS rows, with the normal (-march=native) build;
#   peak_rss_mib   the largest peak resident set of any rank in those runs;
#   instructions   instructions executed by the kohort process alone, counted by valgrind
#                  (cachegrind, no cache simulation) on COUNT_ROWS rows, one rank, one thread.
# Wall time and memory move with machine load; the instruction count does not (run to run it
# repeats to well under 1%), so CI gates on the count. This machine has no hardware counters
# (`perf stat -e instructions` is "not supported"), hence valgrind, as SQLite and rustc-perf do.
#
# valgrind cannot execute AVX-512, which -march=native emits on AVX-512 hosts, so the counts come
# from a second build (COUNT_BUILD, kohort target only) for a fixed instruction set, COUNT_MARCH
# (x86-64-v3: AVX2 + FMA). That also makes the counts independent of the host CPU; they still
# depend on the compiler, its flags and the libraries, which machine.count_config records. With
# --baseline, bench/compare.sh compares the counts: exit 1 names each benchmark whose count grew
# by more than its threshold; a different count_config is reported and not failed.
#
# --quick: WALL_ROWS 1M and 2 repeats (CI); default 4M and 3 repeats. COUNT_ROWS is the same in
# both modes, so both compare against the same baseline. Benchmark names do not carry the size;
# the JSON's rows/count_rows fields do.
#
# Env: BUILD (build), COUNT_BUILD (BUILD when configured as the counting build, else
#      build-count), COUNT_MARCH (x86-64-v3), WALL_ROWS, COUNT_ROWS
#      (40000), REPEATS, RANKS (2), WORK (scratch, /tmp/kohort-bench-run), BENCH_ONLY (space-
#      separated benchmark names to run; default all), SKIP_WALL (1: counts only, wall fields null).
set -euo pipefail
export PMIX_MCA_psec=${PMIX_MCA_psec:-native} OMP_NUM_THREADS=1
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)

usage() { sed -n '3,5p' "$0" | sed 's/^# *//'; }
quick=0 baseline="" json=""
while [[ $# -gt 0 ]]; do
  case $1 in
    --quick) quick=1 ;;
    --baseline) baseline=${2:?--baseline needs a file}; shift ;;
    --json) json=${2:?--json needs a file}; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "bench/run.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
[[ -n "$json" ]] || { echo "bench/run.sh: --json FILE is required" >&2; usage >&2; exit 2; }
[[ -z "$baseline" || -f "$baseline" ]] || { echo "bench/run.sh: baseline '$baseline' not found" >&2; exit 2; }
json=$(realpath -m "$json")

BUILD=${BUILD:-$root/build}
COUNT_MARCH=${COUNT_MARCH:-x86-64-v3}
# The normal build serves for counting too when it was configured exactly as the counting build
# (no -march=native, CMAKE_CXX_FLAGS=-march=COUNT_MARCH): then no second build is needed.
if [[ -z "${COUNT_BUILD:-}" ]] && grep -q '^KOHORT_NATIVE_ARCH:BOOL=OFF$' "$BUILD/CMakeCache.txt" 2>/dev/null &&
   grep -q "^CMAKE_CXX_FLAGS:STRING=-march=$COUNT_MARCH\$" "$BUILD/CMakeCache.txt"; then
  COUNT_BUILD=$BUILD
fi
COUNT_BUILD=${COUNT_BUILD:-$root/build-count}
if [[ $quick == 1 ]]; then WALL_ROWS=${WALL_ROWS:-1000000} REPEATS=${REPEATS:-2}
else WALL_ROWS=${WALL_ROWS:-4000000} REPEATS=${REPEATS:-3}; fi
COUNT_ROWS=${COUNT_ROWS:-40000}
P=20
RANKS=${RANKS:-2}
WORK=${WORK:-/tmp/kohort-bench-run}
MPIEXEC=${MPIEXEC:-mpirun}
MPIFLAGS=${MPIFLAGS:---oversubscribe --allow-run-as-root}
BENCH_ONLY=${BENCH_ONLY:-}
SKIP_WALL=${SKIP_WALL:-0}
mkdir -p "$WORK"
started=$(date +%s)
log() { echo "[bench $(( $(date +%s) - started ))s] $*" >&2; }

# ---- builds: the normal one for wall time, the fixed-instruction-set one for counts.
jobs=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)  # not nproc: OMP_NUM_THREADS=1 lowers it
if [[ ! -x "$BUILD/bin/kohort" ]]; then
  log "building kohort in $BUILD"
  cmake -S "$root" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$BUILD" -j"$jobs" --target kohort >/dev/null
fi
log "counting build in $COUNT_BUILD (-march=$COUNT_MARCH)"
[[ "$COUNT_BUILD" == "$BUILD" ]] || cmake -S "$root" -B "$COUNT_BUILD" -DCMAKE_BUILD_TYPE=Release \
  -DKOHORT_NATIVE_ARCH=OFF -DKOHORT_BUILD_TESTS=OFF -DCMAKE_CXX_FLAGS="-march=$COUNT_MARCH" >/dev/null
cmake --build "$COUNT_BUILD" -j"$jobs" --target kohort >/dev/null
KOHORT=$BUILD/bin/kohort
KOHORT_COUNT=$COUNT_BUILD/bin/kohort

# ---- data: one generator with a fixed RNG, so the counted data are the same everywhere.
# No -march and no FMA contraction: the generated values must not depend on the host.
c++ -O2 -ffp-contract=off -o "$WORK/gen_bench_data" "$here/gen_bench_data.cpp"
# Files are named by the generator's checksum, so a changed generator never reuses stale data.
gen_id=$(md5sum "$here/gen_bench_data.cpp" | cut -c1-8)
data() { echo "$WORK/data_${gen_id}_$1.csv"; }
for n in "$COUNT_ROWS" $([[ $SKIP_WALL == 1 ]] || echo "$WALL_ROWS"); do
  [[ -s "$(data "$n")" ]] || { log "generating $n rows x $P"; "$WORK/gen_bench_data" "$n" "$P" 20261203 "$(data "$n")"; }
done
printf '[disclosure]\npolicy = none\n' > "$WORK/site.ini"
export KOHORT_SITE_CONFIG=$WORK/site.ini KOHORT_AUDIT_LOG=$WORK/audit.log

# count_instructions LABEL CMD...: instructions executed by CMD (one process; forked children not counted).
# KOHORT_HUGEPAGES=0: kohort would otherwise re-execute itself through /proc/self/exe (for the
# glibc huge-page tunable), which valgrind cannot follow.
count_instructions() {
  local label=$1; shift
  KOHORT_HUGEPAGES=0 valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
    --log-file="$WORK/count_$label.log" "$@" > "$WORK/count_$label.out" 2>&1 \
    || { echo "bench/run.sh: counted run of $label failed; see $WORK/count_$label.*" >&2; exit 1; }
  local n
  # The launched process only, not what it forks (bench/count_from_log.sh says why).
  n=$("$here/count_from_log.sh" "$WORK/count_$label.log") || { echo "bench/run.sh: $label: no instruction count in $WORK/count_$label.log" >&2; exit 1; }
  echo "$n"
}

# wall_runs LABEL NP CMD...: best and median wall seconds over REPEATS runs, the largest peak RSS
# (KiB) of any rank and the CPU seconds of all ranks in the fastest run, as "BEST MEDIAN PEAK_KB
# CPU". NP 0 runs CMD as one process without mpirun.
wall_runs() {
  local label=$1 np=$2; shift 2
  if [[ $SKIP_WALL == 1 ]]; then echo "null null null null"; return; fi
  local runs=() rep t0 t1 launch=() best_cpu=0 cpu fastest=0
  # MPIEXEC and MPIFLAGS are word lists (e.g. "--oversubscribe --allow-run-as-root").
  [[ $np == 0 ]] || read -r -a launch <<<"$MPIEXEC $MPIFLAGS -np $np"
  # Each rank's /usr/bin/time writes its own file (time_LABEL.RANK): through mpirun's forwarded
  # stderr the ranks' lines could interleave and corrupt the figures (a CI run once got an
  # invalid number that way).
  local timed=(bash -c 'exec /usr/bin/time -f "PEAK_RSS_KB %M CPU_S %U %S" -o "$0.${OMPI_COMM_WORLD_RANK:-0}" "$@"'
               "$WORK/time_$label")
  for rep in $(seq 1 "$REPEATS"); do
    [[ -z "${PRE_RUN:-}" ]] || eval "$PRE_RUN"
    rm -f "$WORK/time_$label".*
    t0=$(date +%s.%N)
    "${launch[@]}" "${timed[@]}" "$@" > "$WORK/wall_$label.log" 2>&1 \
      || { echo "bench/run.sh: run of $label failed; see $WORK/wall_$label.log" >&2; exit 1; }
    t1=$(date +%s.%N)
    # awk, not bc: bc prints 0.9 as ".9", which is not JSON.
    runs+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.6f", b - a}')")
    cpu=$(cat "$WORK/time_$label".* | awk '/PEAK_RSS_KB/ {s += $4 + $5} END {printf "%.2f", s}')
    if [[ $rep == 1 ]] || awk -v a="${runs[-1]}" -v b="$fastest" 'BEGIN {exit !(a < b)}'; then
      fastest=${runs[-1]} best_cpu=$cpu
    fi
  done
  local best median peak
  best=$(printf '%s\n' "${runs[@]}" | sort -g | head -1)
  median=$(printf '%s\n' "${runs[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  peak=$(cat "$WORK/time_$label".* | awk '/PEAK_RSS_KB/ {print $2}' | sort -n | tail -1)
  local v
  for v in "$best" "$median" "$peak" "$best_cpu"; do
    [[ $v =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo "bench/run.sh: $label: bad measurement '$v'; see $WORK/time_$label.*" >&2; exit 1; }
  done
  echo "$best $median $peak $best_cpu"
}

# job STORE OUT NAME SECTION-LINES: writes a one-model job file, prints its path.
job() {
  local store=$1 out=$2 name=$3 body=$4 file
  file=$WORK/$name.$(basename "$out").ini
  printf '[job]\nname = bench_%s\nstore = %s\noutput = %s\n\n[model.%s]\ntable = bench\n%s\n' \
    "$name" "$store" "$out" "$name" "$body" > "$file"
  echo "$file"
}

covs=$(printf 'x%d + ' $(seq 1 "$P")); covs=${covs% + }
declare -A MODEL=(
  [cox_efron_x20]="kind = cox
formula = Surv(time, status) ~ $covs"
  [cox_strata_breslow_x20]="kind = cox
ties = breslow
formula = Surv(time, status) ~ $covs + strata(grp)"
  [logistic_x20]="kind = glm
family = binomial
formula = y_bin ~ $covs"
  [poisson_x20]="kind = glm
family = poisson
formula = y_cnt ~ $covs"
  [km_strata]="kind = km
formula = Surv(time, status) ~ strata(grp)"
)
NAMES=(import_csv cox_efron_x20 cox_strata_breslow_x20 logistic_x20 poisson_x20 km_strata)
# Allowed growth of the instruction count before CI fails. The counts repeat to about 0.1%
# (bench/baseline/README.md); 2% leaves room for library noise while catching real regressions.
declare -A THRESHOLD=([import_csv]=0.02 [cox_efron_x20]=0.02 [cox_strata_breslow_x20]=0.02
  [logistic_x20]=0.02 [poisson_x20]=0.02 [km_strata]=0.02)

selected() { [[ -z "$BENCH_ONLY" || " $BENCH_ONLY " == *" $1 "* ]]; }

results=()
# ---- import: also writes the two stores the model benchmarks read.
rm -f "$WORK/count.h5"
count=$(count_instructions import_csv "$KOHORT_COUNT" import --csv "$(data "$COUNT_ROWS")" --table bench --store "$WORK/count.h5")
PRE_RUN='rm -f "$WORK/wall.h5"'
read -r best median peak cpu < <(wall_runs import_csv 0 "$KOHORT" import --csv "$(data "$WALL_ROWS")" --table bench --store "$WORK/wall.h5")
unset PRE_RUN
log "import_csv: $count instructions, $best s"
results+=("$(jq -n --arg n import_csv --argjson w "$best" --argjson m "$median" --argjson r "$peak" --argjson cpu "$cpu" \
  --argjson i "$count" --argjson t "${THRESHOLD[import_csv]}" --argjson rows "$WALL_ROWS" --argjson cr "$COUNT_ROWS" \
  '{name: $n, wall_seconds: $w, wall_median_seconds: $m, cpu_seconds: $cpu, peak_rss_mib: (if $r == null then null else ($r / 1024 | round) end), instructions: $i,
    threshold: $t, rows: $rows, count_rows: $cr, ranks: 1}')")

for name in "${NAMES[@]:1}"; do
  selected "$name" || continue
  cjob=$(job "$WORK/count.h5" "$WORK/out_count_$name" "$name" "${MODEL[$name]}")
  wjob=$(job "$WORK/wall.h5" "$WORK/out_wall_$name" "$name" "${MODEL[$name]}")
  rm -rf "$WORK/out_count_$name"
  count=$(count_instructions "$name" "$KOHORT_COUNT" run "$cjob")
  PRE_RUN="rm -rf '$WORK/out_wall_$name'"
  read -r best median peak cpu < <(wall_runs "$name" "$RANKS" "$KOHORT" run "$wjob")
  unset PRE_RUN
  log "$name: $count instructions, $best s"
  detail=""
  [[ $SKIP_WALL == 1 ]] || detail=$(grep -h "$name" "$WORK/out_wall_$name/job.log" | grep -E 'pass|fit' | head -1 | sed 's/^.*\] *//' || true)
  results+=("$(jq -n --arg n "$name" --argjson w "$best" --argjson m "$median" --argjson r "$peak" --argjson cpu "$cpu" \
    --argjson i "$count" --argjson t "${THRESHOLD[$name]}" --argjson rows "$WALL_ROWS" --argjson cr "$COUNT_ROWS" \
    --argjson np "$RANKS" --arg joblog "$detail" \
    '{name: $n, wall_seconds: $w, wall_median_seconds: $m, cpu_seconds: $cpu, peak_rss_mib: (if $r == null then null else ($r / 1024 | round) end), instructions: $i,
      threshold: $t, rows: $rows, count_rows: $cr, ranks: $np, detail: $joblog}')")
done

# ---- what the counts depend on (compared with the baseline's) and where the walls were taken.
cache() { sed -n "s/^$1:[A-Z]*=//p" "$COUNT_BUILD/CMakeCache.txt"; }
cxx=$(cache CMAKE_CXX_COMPILER)
pkgver() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo unknown; }
count_config=$(jq -n --arg compiler "$("$cxx" --version | head -1)" \
  --arg flags "$(cache CMAKE_CXX_FLAGS) $(cache CMAKE_CXX_FLAGS_RELEASE)" --arg march "$COUNT_MARCH" \
  --arg valgrind "$(valgrind --version)" --arg mpi "$(pkgver libopenmpi3)" --arg hdf5 "$(pkgver libhdf5-openmpi-dev)" \
  --arg glibc "$(pkgver libc6)" --arg eigen "$(pkgver libeigen3-dev)" --argjson rows "$COUNT_ROWS" \
  '{compiler: $compiler, flags: $flags, march: $march, valgrind: $valgrind, openmpi: $mpi, hdf5: $hdf5,
    glibc: $glibc, eigen: $eigen, count_rows: $rows}')
machine=$(jq -n --arg cpu "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')" \
  --argjson cores "$jobs" --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" --arg date "$(date -u +%FT%TZ)" \
  --arg commit "$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)" \
  --arg wall_march "$(c++ -march=native -Q --help=target 2>/dev/null | awk '$1 == "-march=" {print $2}')" \
  --arg mode "$([[ $quick == 1 ]] && echo quick || echo full)" --argjson ranks "$RANKS" --argjson repeats "$REPEATS" \
  --argjson cc "$count_config" \
  '{cpu: $cpu, cores: $cores, load_average: $load, date: $date, commit: $commit, mode: $mode,
    wall_build_march: ("native (" + $wall_march + ")"), ranks: $ranks, repeats: $repeats, count_config: $cc}')
printf '%s\n' "${results[@]}" | jq -s --argjson m "$machine" '{machine: $m, benchmarks: .}' > "$json"
log "wrote $json"
jq -r '.benchmarks[] | "\(.name)\t\(.instructions) instr\t\(.wall_seconds) s\t\(.peak_rss_mib) MiB"' "$json" | column -t -s $'\t' >&2

[[ -z "$baseline" ]] && exit 0
"$here/compare.sh" "$baseline" "$json"
