#!/usr/bin/env bash
# GLM benchmark (issue 4, not a timed test): logistic and Poisson regression on ROWS rows x 20
# covariates, kohort on RANKS MPI ranks (including loading from the store) against R's glm() on
# the same data in the same run; per-pass time against a measured memory-bandwidth bound; peak
# memory per rank. Results go to docs/benchmarks-glm.md by hand.
#
# Usage: bench/bench_glm.sh [KOHORT_BINARY]
# Env:   ROWS (default 4000000), RANKS (2), THREADS (OMP threads per rank, 1), WORK (scratch dir),
#        REPEATS (kohort runs per model, 3: best and median wall time)
set -euo pipefail
# mpirun on one host: PMIx native security (with munge installed but no munged running, PMIx
# would retry munge for ~2.4 s per launch, which is not the engine's time).
export PMIX_MCA_psec=${PMIX_MCA_psec:-native}
here=$(cd "$(dirname "$0")" && pwd)
KOHORT=${1:-${KOHORT:-$here/../build/bin/kohort}}
ROWS=${ROWS:-4000000}
RANKS=${RANKS:-2}
THREADS=${THREADS:-1}
REPEATS=${REPEATS:-3}
WORK=${WORK:-/tmp/kohort-bench-glm}
MPIEXEC=${MPIEXEC:-mpirun}
MPIFLAGS=${MPIFLAGS:---oversubscribe --allow-run-as-root}
mkdir -p "$WORK"
now() { date +%s.%N; }
# shellcheck source=bench/timed_runs.sh
. "$here/timed_runs.sh"
elapsed() { echo "$2 - $1" | bc; }

echo "== data: $ROWS rows x 20 covariates"
[ -f "$WORK/data_$ROWS.csv" ] || Rscript "$here/glm_bench_data.R" "$ROWS" "$WORK/data_$ROWS.csv"

echo "== kohort import"
rm -f "$WORK/bench.h5"
t0=$(now)
"$KOHORT" import --csv "$WORK/data_$ROWS.csv" --table bench --store "$WORK/bench.h5" > "$WORK/import.log"
t_import=$(elapsed "$t0" "$(now)")

covs=$(printf 'x%d + ' $(seq 1 20)); covs=${covs% + }
run_model() {  # name family response
  local name=$1 family=$2 y=$3
  cat > "$WORK/$name.ini" <<INI
[job]
name = bench_$name
store = $WORK/bench.h5
output = $WORK/out_$name

[model.$name]
kind = glm
table = bench
family = $family
formula = $y ~ $covs
INI
  local t median peak
  read -r t median peak < <(timed_kohort_runs "$WORK/$name.ini" "$WORK/out_$name" "$WORK/$name.log" "$name")
  local pass; pass=$(grep -ho "[0-9.]* s per pass" "$WORK/out_$name/job.log" | head -1 | awk '{print $1}')
  local passes; passes=$(grep -ho "[0-9]* passes over the rows" "$WORK/out_$name/job.log" | head -1 | awk '{print $1}')
  local fit; fit=$(grep -ho "fit [0-9.]* s" "$WORK/out_$name/job.log" | head -1 | awk '{print $2}')
  echo "$name $t $median $fit $passes $pass $peak"
}

echo "== kohort run on $RANKS ranks x $THREADS threads"
read -r _ k_logit k_logit_med k_logit_fit k_logit_passes k_logit_pass k_logit_peak < <(run_model logit binomial y_bin)
read -r _ k_pois k_pois_med k_pois_fit k_pois_passes k_pois_pass k_pois_peak < <(run_model poisson poisson y_cnt)

echo "== memory bandwidth ($RANKS concurrent readers of one rank's share of X)"
c++ -O3 -march=native -o "$WORK/membw" "$here/membw.cpp"
share_mib=$(( ROWS / RANKS * 24 * 8 / 1048576 ))   # X (21 columns) + y, weights, offset
bw=0
for r in $(seq 1 "$RANKS"); do "$WORK/membw" "$share_mib" > "$WORK/membw_$r.txt" & done
wait
bw=$(cat "$WORK"/membw_*.txt | awk '{print $1}' | sort -n | head -1)
bound=$(echo "scale=4; $share_mib * 1.048576 / 1000 / $bw" | bc)

echo "== R glm on the same data"
Rscript "$here/glm_bench_r.R" "$WORK/data_$ROWS.csv" "$WORK/out_logit/results.json" \
  "$WORK/out_poisson/results.json" > "$WORK/r.txt"
cat "$WORK/r.txt"
r_logit=$(awk '/^R_LOGIT/{print $2}' "$WORK/r.txt")
r_pois=$(awk '/^R_POISSON/{print $2}' "$WORK/r.txt")

cat <<REPORT

| model | kohort run (s, incl. load), best (median) of $REPEATS | kohort fit (s) | passes | s per pass | bandwidth bound per pass (s) | peak RSS per rank (MiB) | R glm (s) | speed-up, best (median) |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
| logistic | $k_logit ($k_logit_med) | $k_logit_fit | $k_logit_passes | $k_logit_pass | $bound | $(( k_logit_peak / 1024 )) | $r_logit | $(echo "scale=1; $r_logit / $k_logit" | bc) ($(echo "scale=1; $r_logit / $k_logit_med" | bc)) |
| Poisson | $k_pois ($k_pois_med) | $k_pois_fit | $k_pois_passes | $k_pois_pass | $bound | $(( k_pois_peak / 1024 )) | $r_pois | $(echo "scale=1; $r_pois / $k_pois" | bc) ($(echo "scale=1; $r_pois / $k_pois_med" | bc)) |

import: $t_import s; per-process read bandwidth with $RANKS readers: $bw GB/s over $share_mib MiB.
$(grep MAXREL "$WORK/r.txt" | tr '\n' ' ')
REPORT
