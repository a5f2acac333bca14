#!/usr/bin/env bash
# Cox, logistic and Poisson at N rows x P covariates against R and against a measured compute
# bound, in one run (issue 14, points 2-4; a benchmark, not a timed test).
#
#   bench/models_vs_r.sh [KOHORT_BINARY]
#
# One data set (bench/gen_bench_data.cpp, SHAPE long: about ten thousand distinct event days, the
# shape of issue 14's set; days10y: about 3,600), imported once. Then, REPEATS times and interleaved
# so machine load hits every model alike: `kohort run` of a Cox (Efron) job, a logistic and a
# Poisson GLM job, each timed from launcher start to exit (MPI start-up, store load, model frame,
# fit, output), with the pass time, set-up and peak memory from its job.log. Then:
#   bound  bench/pass_bound.cpp on N/RANKS rows, RANKS copies at once (the ranks share the memory
#          bus as they do in the fit): Eigen's SYRK + GEMV + one streaming read of a rank's rows;
#          p = P for Cox, P + 1 (intercept) for the GLMs. The largest copy's time is the bound.
#   R      (R=1) read.csv once, then coxph(ties = "efron"), glm(binomial), glm(poisson), each fit
#          timed alone; the speed-up is R's read + fit over kohort's launcher-to-exit time.
#   share  the rank's share of the columns a model reads (8 bytes x rows / RANKS x columns), against
#          which the peak memory is given.
# Prints one line per run, then a summary per model (best and median wall, speed-up over R, pass
# against bound, peak memory against share). Results also go to WORK/summary.txt.
#
# Env: N (4000000), P (20), SHAPE (long), RANKS (2), THREADS (1 per rank), REPEATS (3), R (1),
#      WORK (/tmp/kohort-bench-models-N), MODELS ("cox logistic poisson").
set -euo pipefail
export PMIX_MCA_psec=${PMIX_MCA_psec:-native}
here=$(cd "$(dirname "$0")" && pwd)
KOHORT=$(realpath "${1:-$here/../build/bin/kohort}")
N=${N:-4000000} P=${P:-20} SHAPE=${SHAPE:-long} RANKS=${RANKS:-2} THREADS=${THREADS:-1}
REPEATS=${REPEATS:-3} R=${R:-1} WORK=${WORK:-/tmp/kohort-bench-models-$N} MODELS=${MODELS:-cox logistic poisson}
export OMP_NUM_THREADS=$THREADS
MPIRUN=(mpirun --oversubscribe --allow-run-as-root --bind-to none -x OMP_NUM_THREADS -np "$RANKS")
mkdir -p "$WORK"
csv=$WORK/data_${N}x${P}_$SHAPE.csv store=$WORK/data_${N}x${P}_$SHAPE.h5
log() { echo "[models_vs_r] $*" >&2; }

c++ -O2 -ffp-contract=off -o "$WORK/gen_bench_data" "$here/gen_bench_data.cpp"
c++ -O3 -march=native -DNDEBUG -I/usr/include/eigen3 -o "$WORK/pass_bound" "$here/pass_bound.cpp"
shape_arg=(); [[ $SHAPE == long ]] && shape_arg=(long)
[[ -s $csv ]] || { log "generating $N x $P ($SHAPE)"; "$WORK/gen_bench_data" "$N" "$P" 20261203 "$csv" "${shape_arg[@]}"; }
printf '[disclosure]\npolicy = none\n' > "$WORK/site.ini"
export KOHORT_SITE_CONFIG=$WORK/site.ini KOHORT_AUDIT_LOG=$WORK/audit.log
[[ -s $store ]] || { log "importing"; "$KOHORT" import --csv "$csv" --table bench --store "$store" > "$WORK/import.log"; }

covs=$(printf 'x%d + ' $(seq 1 "$P")); covs=${covs% + }
job() {  # job MODEL: the job file's model section
  case $1 in
    cox) printf 'kind = cox\nformula = Surv(time, status) ~ %s\n' "$covs" ;;
    logistic) printf 'kind = glm\nfamily = binomial\nformula = y_bin ~ %s\n' "$covs" ;;
    poisson) printf 'kind = glm\nfamily = poisson\nformula = y_cnt ~ %s\n' "$covs" ;;
  esac
}
for m in $MODELS; do
  printf '[job]\nname = bench_%s\nstore = %s\noutput = %s\n\n[model.%s]\ntable = bench\n%s\n' \
    "$m" "$store" "$WORK/out_$m" "$m" "$(job "$m")" > "$WORK/job_$m.ini"
done

# One line per run: model wall_s setup_s pass_s passes peak_mib
: > "$WORK/runs.txt"
for rep in $(seq 1 "$REPEATS"); do
  for m in $MODELS; do
    rm -rf "$WORK/out_$m"
    t0=$(date +%s.%N)
    "${MPIRUN[@]}" "$KOHORT" run "$WORK/job_$m.ini" > "$WORK/run_$m.log" 2>&1
    t1=$(date +%s.%N)
    jl=$WORK/out_$m/job.log
    if [[ $m == cox ]]; then
      line=$(grep -h "cox cox:" "$jl" | head -1)
      setup=$(grep -o "set-up [0-9.]*" <<<"$line" | awk '{print $2}')
      pass=$(grep -o "([0-9.]* s per pass" <<<"$line" | tr -d '(' | awk '{print $1}')
      passes=$(grep -o "[0-9]* pass(es)" <<<"$line" | awk '{print $1}')
    else
      line=$(grep -h "glm $m: fit" "$jl" | head -1)
      setup=-
      pass=$(grep -o "[0-9.]* s per pass" <<<"$line" | awk '{print $1}')
      passes=$(grep -o "[0-9]* passes" <<<"$line" | awk '{print $1}')
    fi
    peak=$(grep -ho "peak memory [0-9.]*" "$jl" | awk '{printf "%d", $3}')
    echo "$m $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b - a}') $setup $pass $passes $peak" | tee -a "$WORK/runs.txt"
  done
done

# The bound: RANKS copies of pass_bound at once, each on a rank's rows.
bound() {  # bound P_COLUMNS: the slowest copy's "syrk gemv stream bound" line
  local pc=$1 k
  for k in $(seq 1 "$RANKS"); do "$WORK/pass_bound" $((N / RANKS)) "$pc" 5 > "$WORK/bound_${pc}_$k.txt" & done
  wait
  cat "$WORK"/bound_"${pc}"_*.txt | sort -g -k8 | tail -1
}
bound_cox=$(bound "$P"); bound_glm=$(bound $((P + 1)))
log "bound p=$P: $bound_cox"; log "bound p=$((P + 1)): $bound_glm"

if [[ $R == 1 ]]; then
  cat > "$WORK/r_models.R" <<'RSCRIPT'
suppressPackageStartupMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
models <- strsplit(args[2], " ")[[1]]
t0 <- proc.time()[["elapsed"]]
d <- read.csv(args[1], colClasses = "numeric")
cat(sprintf("read %.3f\n", proc.time()[["elapsed"]] - t0))
xs <- paste(grep("^x", names(d), value = TRUE), collapse = " + ")
for (m in models) {
  t1 <- proc.time()[["elapsed"]]
  fit <- switch(m,
    cox = coxph(as.formula(paste("Surv(time, status) ~", xs)), data = d, ties = "efron"),
    logistic = glm(as.formula(paste("y_bin ~", xs)), data = d, family = binomial),
    poisson = glm(as.formula(paste("y_cnt ~", xs)), data = d, family = poisson))
  el <- proc.time()[["elapsed"]] - t1
  k <- jsonlite::fromJSON(file.path(args[3], paste0("out_", m), "results.json"))$models[[m]]$coefficients$estimate
  cat(sprintf("%s %.3f %.2e\n", m, el, max(abs(k - coef(fit)) / abs(coef(fit)))))
  rm(fit); invisible(gc())
}
RSCRIPT
  log "R: read.csv and the fits"
  Rscript "$WORK/r_models.R" "$csv" "$MODELS" "$WORK" > "$WORK/r.txt"
else
  : > "$WORK/r.txt"
fi

python3 - "$WORK" "$N" "$P" "$RANKS" "$THREADS" "$bound_cox" "$bound_glm" <<'PY' | tee "$WORK/summary.txt"
import statistics, sys
work, n, p, ranks, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
def parse_bound(s):
    f = s.split()
    return {f[i]: float(f[i + 1]) for i in range(0, len(f) - 1, 2)}
bounds = {"cox": parse_bound(sys.argv[6]), "glm": parse_bound(sys.argv[7])}
runs = {}
for line in open(f"{work}/runs.txt"):
    m, wall, setup, per_pass, passes, peak = line.split()
    runs.setdefault(m, []).append((float(wall), setup, float(per_pass), int(passes), int(peak)))
r_read, r_fit, r_diff = None, {}, {}
for line in open(f"{work}/r.txt"):
    f = line.split()
    if f[0] == "read": r_read = float(f[1])
    else: r_fit[f[0]], r_diff[f[0]] = float(f[1]), f[2]
cols = {"cox": p + 2, "logistic": p + 1, "poisson": p + 1}  # columns the model reads
print(f"{n} rows x {p} covariates, {ranks} rank(s) x {threads} thread(s)")
for m, rs in runs.items():
    walls = sorted(r[0] for r in rs)
    best, med = walls[0], statistics.median(walls)
    b = bounds["cox" if m == "cox" else "glm"]
    pass_best = min(r[2] for r in rs)
    share = 8.0 * n / ranks * cols[m] / 2**20
    peak = max(r[4] for r in rs)
    s = f"{m}: wall best {best:.2f} s, median {med:.2f} s"
    if m == "cox":
        setups = sorted(float(r[1]) for r in rs)
        s += f"; set-up best {setups[0]:.3f} s = {setups[0] / pass_best:.1f} passes"
    s += (f"; pass best {pass_best:.4f} s vs bound {b['bound']:.4f} s (syrk {b['syrk']:.4f} + gemv {b['gemv']:.4f}"
          f" + stream {b['stream']:.4f}) = {pass_best / b['bound']:.2f}x; {rs[0][3]} passes")
    s += f"; peak {peak} MiB vs share {share:.0f} MiB = {peak / share:.2f}x"
    if m in r_fit:
        rt = r_read + r_fit[m]
        s += (f"; R read.csv {r_read:.2f} + fit {r_fit[m]:.2f} = {rt:.2f} s: speed-up {rt / best:.1f}x best,"
              f" {rt / med:.1f}x median (fit alone {r_fit[m] / best:.1f}x); max rel. diff of coefficients {r_diff[m]}")
    print(s)
print(f"machine: {__import__('os').cpu_count()} cores, load average {open('/proc/loadavg').read().split()[:3]}")
PY
