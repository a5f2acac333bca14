#!/usr/bin/env bash
# Cox benchmark (issue 3, not a timed test): coxph(ties = "efron") on synthetic data with
# integer-day times and heavy ties, 1M x 10 and 4M x 20 covariates. kohort on RANKS MPI ranks
# (import, then run: load + fit) against R's coxph on the same CSV in the same run; time per
# Newton pass against a measured memory-bandwidth bound for one streaming pass over a rank's
# covariates; peak memory per rank. Results go to docs/benchmarks-cox.md by hand.
#
# Usage: bench/bench_cox.sh [KOHORT_BINARY]
# Env:   SIZES ("1000000x10 4000000x20"), RANKS (2), THREADS (OMP threads per rank, 1),
#        WORK (scratch dir), SKIP_R (1: kohort only), REPEATS (kohort runs per size, 3: best and median)
set -euo pipefail
# mpirun on one host: PMIx native security (with munge installed but no munged running, PMIx
# would retry munge for ~2.4 s per launch, which is not the engine's time).
export PMIX_MCA_psec=${PMIX_MCA_psec:-native}
here=$(cd "$(dirname "$0")" && pwd)
KOHORT=${1:-${KOHORT:-$here/../build/bin/kohort}}
SIZES=${SIZES:-"1000000x10 4000000x20"}
RANKS=${RANKS:-2}
THREADS=${THREADS:-1}
WORK=${WORK:-/tmp/kohort-bench-cox}
MPIEXEC=${MPIEXEC:-mpirun}
MPIFLAGS=${MPIFLAGS:---oversubscribe --allow-run-as-root}
SKIP_R=${SKIP_R:-0}
REPEATS=${REPEATS:-3}
mkdir -p "$WORK"
now() { date +%s.%N; }
# shellcheck source=bench/timed_runs.sh
. "$here/timed_runs.sh"
elapsed() { echo "$2 - $1" | bc; }

c++ -O3 -march=native -o "$WORK/membw" "$here/membw.cpp"
printf '[disclosure]\npolicy = none\n' > "$WORK/site.ini"
export KOHORT_SITE_CONFIG=$WORK/site.ini KOHORT_AUDIT_LOG=$WORK/audit.log

cat > "$WORK/r_cox.R" <<'RSCRIPT'
suppressPackageStartupMessages({library(data.table); library(survival); library(jsonlite)})
args <- commandArgs(trailingOnly = TRUE)
t0 <- proc.time()[["elapsed"]]
d <- fread(args[1])
t1 <- proc.time()[["elapsed"]]
xs <- grep("^x", names(d), value = TRUE)
fit <- coxph(as.formula(paste("Surv(time, status) ~", paste(xs, collapse = " + "))), data = d, ties = "efron")
t2 <- proc.time()[["elapsed"]]
k <- fromJSON(args[2])$models$cox
rel <- function(a, b) max(abs(a - b) / abs(b))
cat(sprintf("R_LOAD %.2f\nR_FIT %.2f\nR_TOTAL %.2f\nR_ITER %d\n", t1 - t0, t2 - t1, t2 - t0, fit$iter))
cat(sprintf("MAXREL coef %.2e se %.2e loglik %.2e\n", rel(k$coefficients$estimate, coef(fit)),
            rel(k$coefficients$se, sqrt(diag(fit$var))), rel(k$loglik, fit$loglik)))
RSCRIPT

rows_out=""
for size in $SIZES; do
  n=${size%x*}; p=${size#*x}
  csv=$WORK/cox_${n}x${p}.csv
  echo "== data: $n rows x $p covariates"
  [ -f "$csv" ] || Rscript "$here/gen_cox_data.R" "$n" "$p" 20240601 "$csv"

  echo "== kohort import"
  rm -f "$WORK/cox_$size.h5"
  t0=$(now)
  "$KOHORT" import --csv "$csv" --table bench --store "$WORK/cox_$size.h5" > "$WORK/import_$size.log"
  t_import=$(elapsed "$t0" "$(now)")

  covs=$(printf 'x%d + ' $(seq 1 "$p")); covs=${covs% + }
  cat > "$WORK/cox_$size.ini" <<INI
[job]
name = bench_cox_$size
store = $WORK/cox_$size.h5
output = $WORK/out_$size

[model.cox]
kind = cox
table = bench
formula = Surv(time, status) ~ $covs
INI
  echo "== kohort run on $RANKS ranks x $THREADS threads"
  read -r t_run t_median peak < <(timed_kohort_runs "$WORK/cox_$size.ini" "$WORK/out_$size" "$WORK/run_$size.log" "$size")
  line=$(grep -h "cox cox:" "$WORK/out_$size/job.log" | head -1)
  iters=$(echo "$line" | grep -o "[0-9]* iteration" | awk '{print $1}')
  setup=$(echo "$line" | grep -o "set-up [0-9.]*" | awk '{print $2}')
  passes=$(echo "$line" | grep -o "[0-9]* pass(es) in [0-9.]*" | awk '{print $1, $4}')
  per_pass=$(echo "$line" | grep -o "([0-9.]* s per pass" | tr -d '(' | awk '{print $1}')
  bytes=$(echo "$line" | grep -o "[0-9]* bytes" | awk '{print $1}')
  echo "$line"

  # One streaming pass over a rank's share of X (n/RANKS x p doubles), all ranks at once.
  share_mib=$(( n / RANKS * p * 8 / 1048576 ))
  for r in $(seq 1 "$RANKS"); do "$WORK/membw" "$share_mib" > "$WORK/membw_$r.txt" & done
  wait
  bw=$(cat "$WORK"/membw_*.txt | awk '{print $1}' | sort -n | head -1)
  bound=$(echo "scale=6; $n / $RANKS * $p * 8 / 1000000000 / $bw" | bc)
  data_mib=$(( n / RANKS * (p + 2) * 8 / 1048576 ))

  r_total=NA; r_fit=NA; r_load=NA; maxrel=""
  if [ "$SKIP_R" != 1 ]; then
    echo "== R coxph(ties = \"efron\") on the same CSV"
    Rscript "$WORK/r_cox.R" "$csv" "$WORK/out_$size/results.json" > "$WORK/r_$size.txt"
    cat "$WORK/r_$size.txt"
    r_total=$(awk '/^R_TOTAL/{print $2}' "$WORK/r_$size.txt")
    r_fit=$(awk '/^R_FIT/{print $2}' "$WORK/r_$size.txt")
    r_load=$(awk '/^R_LOAD/{print $2}' "$WORK/r_$size.txt")
    maxrel=$(grep MAXREL "$WORK/r_$size.txt" | cut -d' ' -f2-)
  fi
  speedup=NA
  [ "$r_total" != NA ] && speedup="$(echo "scale=1; $r_total / $t_run" | bc) ($(echo "scale=1; $r_total / $t_median" | bc))"
  rows_out+="| ${n} x ${p} | $t_import | $t_run ($t_median) | $setup | $iters | $passes | $per_pass | $bound ($bw GB/s) | $bytes | $(( peak / 1024 )) | $data_mib | $r_load + $r_fit = $r_total | $speedup | $maxrel |"$'\n'
done

cat <<REPORT

| data | kohort import (s) | kohort run, load + fit (s), best (median) of $REPEATS | set-up (s) | iterations | passes, seconds | s per pass | bandwidth bound per pass (s) | bytes allreduced per pass | peak RSS per rank (MiB) | rank's share of data (MiB) | R fread + coxph (s) | speed-up, best (median) | kohort vs R max rel. diff |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
$rows_out
kohort on $RANKS ranks x $THREADS threads; $(nproc) cores; $(grep -m1 "model name" /proc/cpuinfo | cut -d: -f2).
REPORT
