#!/usr/bin/env bash
# GWAS benchmark (issue 12, not a timed test): the Surv GWAS (Cox score test per variant, full Cox
# fits below refit_p), SAMPLES x VARIANTS with 4 covariates, kohort on RANKS MPI ranks. Wall time
# runs from mpirun start to exit. Two phenotypes: event times in whole months (few distinct event
# times) and in whole days (about one distinct time per event, as in registers), because the score
# statistics reduced per variant grow with the number of distinct event times (docs/algorithms-gwas.md).
# No other tool runs a Cox GWAS on .bed files; R's coxph per variant is timed on RVARIANTS variants
# of the same data for scale. Results go to docs/benchmarks-gwas.md by hand.
#
# Usage: bench/gwas_cox.sh [KOHORT_BINARY]
# Env:   SAMPLES (20000), VARIANTS (20000), RANKS (2), REPEATS (3), RVARIANTS (100), WORK (scratch dir)
set -euo pipefail
export PMIX_MCA_psec=${PMIX_MCA_psec:-native}
here=$(cd "$(dirname "$0")" && pwd)
export KOHORT_SITE_CONFIG=${KOHORT_SITE_CONFIG:-$here/../tests/data/site_none.ini}
KOHORT=${1:-${KOHORT:-$here/../build/bin/kohort}}
SAMPLES=${SAMPLES:-20000}
VARIANTS=${VARIANTS:-20000}
RANKS=${RANKS:-2}
THREADS=1
REPEATS=${REPEATS:-3}
RVARIANTS=${RVARIANTS:-100}
WORK=${WORK:-/tmp/kohort-bench-gwas-cox}
MPIEXEC=${MPIEXEC:-mpirun}
MPIFLAGS=${MPIFLAGS:---oversubscribe --allow-run-as-root}
mkdir -p "$WORK"
# shellcheck source=bench/timed_runs.sh
. "$here/timed_runs.sh"
gen="$here/../tests/kernels/genomics"
data="$WORK/data_${SAMPLES}_${VARIANTS}"

echo "== data: $SAMPLES samples x $VARIANTS variants (plink2 --dummy, missing calls), 4 covariates"
[ -f "$data/d.bed" ] || /usr/bin/python3 "$gen/make_gwas_data.py" "$data" "$SAMPLES" "$VARIANTS" 1
rm -f "$WORK/g.h5"
"$KOHORT" import --plink "$data/d" --table geno --store "$WORK/g.h5" > "$WORK/import.log"
for unit in months days; do
  /usr/bin/python3 "$gen/make_cox_pheno.py" "$data" 1 $([ $unit = days ] && echo --days)
  cp "$data/surv.csv" "$data/surv_$unit.csv"
  "$KOHORT" import --csv "$data/surv_$unit.csv" --table "surv_$unit" --store "$WORK/g.h5" >> "$WORK/import.log"
done

echo "| phenotype | event times | bytes reduced per variant | refits | wall best (s) | wall median (s) | variants/s (best) | test_seconds | peak RSS per rank (MiB) |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for unit in months days; do
  cat > "$WORK/cox_$unit.ini" <<INI
[job]
name = bench_gwas_cox
store = $WORK/g.h5
output = $WORK/out_$unit

[model.cox]
kind = gwas
table = surv_$unit
genotypes = geno
formula = Surv(time, status) ~ age + male + pc1 + pc2
INI
  read -r best median rss < <(timed_kohort_runs "$WORK/cox_$unit.ini" "$WORK/out_$unit" "$WORK/kohort_$unit.log" "kohort $unit")
  read -r bins bytes refits secs < <(/usr/bin/python3 -c "
import json; r = json.load(open('$WORK/out_$unit/results.json'))['models']['cox']
print(r['cox']['event_times'], r['cox']['bytes_reduced_per_variant'], r['cox']['refits'], r['test_seconds'])")
  printf '| %s | %s | %s | %s | %.2f | %.2f | %.0f | %.2f | %.0f |\n' "$unit" "$bins" "$bytes" "$refits" "$best" "$median" \
    "$(echo "$VARIANTS / $best" | bc -l)" "$secs" "$(echo "$rss / 1024" | bc -l)"
done

echo "== R coxph, score test + refit loop (tests/kernels/genomics/gwas_cox_reference.R) on $RVARIANTS variants, months"
# The R reference reads plink2 --export A of a random subset of the variants.
plink2 --bfile "$data/d" --thin-count "$RVARIANTS" --seed 1 --export A --out "$data/d" > "$WORK/plink2.log" 2>&1
cp "$data/surv_months.csv" "$data/surv.csv"
t0=$(date +%s.%N)
Rscript "$gen/gwas_cox_reference.R" "$data" "$WORK/r.tsv" 1e-5
t1=$(date +%s.%N)
rv=$(($(wc -l < "$WORK/r.tsv") - 1))
printf 'R: %d variants in %.2f s (%.1f variants/s, one process)\n' "$rv" "$(echo "$t1 - $t0" | bc)" "$(echo "$rv / ($t1 - $t0)" | bc -l)"
