#!/usr/bin/env bash
# Cox communication per Newton pass, before vs after (issue 14, point 1; not a timed test): the same
# data and job with `communication = allreduce` (every event time's sums allreduced each pass) and
# `communication = time` (rows moved once to the rank owning their event times), runs interleaved
# so machine load affects both alike. Reports, from each run's job.log, the set-up time, the time
# per pass and the bytes per pass in collectives, and the wall time from mpirun start to exit; with
# R=1 also base R's read.csv + coxph(ties = "efron") on the same CSV (data.table is not installed here).
#
# Usage: bench/cox_comm.sh [KOHORT_BINARY]
# Env:   N (4000000), P (20), SHAPE (long: issue 14's ~10k event times; days10y: bench_cox.sh's
#        ~3.6k), RANKS (2), REPEATS (3 per scheme), WORK (/tmp/kohort-bench-cox-comm), R (0)
set -euo pipefail
export PMIX_MCA_psec=${PMIX_MCA_psec:-native} OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
here=$(cd "$(dirname "$0")" && pwd)
KOHORT=$(realpath "${1:-$here/../build/bin/kohort}")
N=${N:-4000000} P=${P:-20} SHAPE=${SHAPE:-long} RANKS=${RANKS:-2} REPEATS=${REPEATS:-3}
WORK=${WORK:-/tmp/kohort-bench-cox-comm} R=${R:-0}
MPIRUN=(mpirun --oversubscribe --allow-run-as-root -np "$RANKS")
mkdir -p "$WORK"
csv=$WORK/cox_${N}x${P}_$SHAPE.csv store=$WORK/cox_${N}x${P}_$SHAPE.h5

c++ -O2 -ffp-contract=off -o "$WORK/gen_bench_data" "$here/gen_bench_data.cpp"
shape_arg=(); [[ $SHAPE == long ]] && shape_arg=(long)
[[ -s $csv ]] || "$WORK/gen_bench_data" "$N" "$P" 20261203 "$csv" "${shape_arg[@]}"
printf '[disclosure]\npolicy = none\n' > "$WORK/site.ini"
export KOHORT_SITE_CONFIG=$WORK/site.ini KOHORT_AUDIT_LOG=$WORK/audit.log
[[ -s $store ]] || "$KOHORT" import --csv "$csv" --table bench --store "$store" > "$WORK/import.log"

covs=$(printf 'x%d + ' $(seq 1 "$P")); covs=${covs% + }
for scheme in allreduce time; do
  cat > "$WORK/job_$scheme.ini" <<INI
[job]
name = cox_comm_$scheme
store = $store
output = $WORK/out_$scheme

[model.cox]
kind = cox
table = bench
formula = Surv(time, status) ~ $covs
communication = $scheme
INI
done

# One line per run: scheme wall setup per_pass passes bytes event_times
: > "$WORK/runs.txt"
for rep in $(seq 1 "$REPEATS"); do
  for scheme in allreduce time; do
    rm -rf "$WORK/out_$scheme"
    t0=$(date +%s.%N)
    "${MPIRUN[@]}" "$KOHORT" run "$WORK/job_$scheme.ini" > "$WORK/run_$scheme.log" 2>&1
    t1=$(date +%s.%N)
    line=$(grep -h "cox cox:" "$WORK/out_$scheme/job.log" | head -1)
    echo "$scheme $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b - a}') \
$(echo "$line" | grep -o "set-up [0-9.]*" | awk '{print $2}') \
$(echo "$line" | grep -o "([0-9.]* s per pass" | tr -d '(' | awk '{print $1}') \
$(echo "$line" | grep -o "[0-9]* pass(es)" | awk '{print $1}') \
$(echo "$line" | grep -o "[0-9]* bytes" | awk '{print $1}') \
$(echo "$line" | grep -o ": [0-9]* event time" | awk '{print $2}')" | tee -a "$WORK/runs.txt"
  done
done
python3 - "$WORK" <<'PY'
import json, sys
w = sys.argv[1]
a = json.load(open(f"{w}/out_allreduce/results.json"))["models"]["cox"]["coefficients"]
b = json.load(open(f"{w}/out_time/results.json"))["models"]["cox"]["coefficients"]
rel = max(abs(x["estimate"] - y["estimate"]) / abs(y["estimate"]) for x, y in zip(a, b))
print(f"max relative difference of the coefficients, allreduce vs time: {rel:.2e}")
PY

if [[ $R == 1 ]]; then
  cat > "$WORK/r_cox.R" <<'RSCRIPT'
suppressPackageStartupMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
t0 <- proc.time()[["elapsed"]]
d <- read.csv(args[1], colClasses = "numeric")
t1 <- proc.time()[["elapsed"]]
xs <- grep("^x", names(d), value = TRUE)
fit <- coxph(as.formula(paste("Surv(time, status) ~", paste(xs, collapse = " + "))), data = d, ties = "efron")
t2 <- proc.time()[["elapsed"]]
cat(sprintf("R read.csv %.2f s, coxph %.2f s, total %.2f s, %d iterations\n", t1 - t0, t2 - t1, t2 - t0, fit$iter))
k <- jsonlite::fromJSON(args[2])$models$cox$coefficients$estimate
cat(sprintf("max relative difference kohort (time) vs R: %.2e\n", max(abs(k - coef(fit)) / abs(coef(fit)))))
RSCRIPT
  Rscript "$WORK/r_cox.R" "$csv" "$WORK/out_time/results.json" | tee "$WORK/r.txt"
fi
echo "machine: $(getconf _NPROCESSORS_ONLN) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
