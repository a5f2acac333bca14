#!/usr/bin/env bash
# GWAS benchmark (issue 12, not a timed test): linear regression (FAMILY=gaussian) or logistic
# regression with plink2's Firth fallback (FAMILY=binomial, the 0/1 outcome `case`), SAMPLES x
# VARIANTS with 4 covariates, kohort on RANKS MPI ranks against `plink2 --threads RANKS` on the same
# .bed files, in the same run. Wall time runs from launch to exit (mpirun and start-up included for kohort; plink2
# reads the .bed, kohort the imported store). Also records each tool's peak RSS and checks the two
# agree on the most significant variants. Results go to docs/benchmarks.md by hand.
#
# Usage: bench/gwas_linear.sh [KOHORT_BINARY]
# Env:   SAMPLES (20000), VARIANTS (50000), RANKS (2), REPEATS (3), WORK (scratch dir),
#        FAMILY (gaussian | binomial)
set -euo pipefail
export PMIX_MCA_psec=${PMIX_MCA_psec:-native}
here=$(cd "$(dirname "$0")" && pwd)
# Public dummy data: disclosure policy none, so every variant is released and compared.
export KOHORT_SITE_CONFIG=${KOHORT_SITE_CONFIG:-$here/../tests/data/site_none.ini}
KOHORT=${1:-${KOHORT:-$here/../build/bin/kohort}}
SAMPLES=${SAMPLES:-20000}
VARIANTS=${VARIANTS:-50000}
RANKS=${RANKS:-2}
THREADS=1
REPEATS=${REPEATS:-3}
WORK=${WORK:-/tmp/kohort-bench-gwas}
FAMILY=${FAMILY:-gaussian}
case "$FAMILY" in
  gaussian) outcome=y; plink2_report=plink2.y.glm.linear ;;
  binomial) outcome=case; plink2_report=plink2.case.glm.logistic.hybrid ;;
  *) echo "FAMILY must be gaussian or binomial" >&2; exit 2 ;;
esac
MPIEXEC=${MPIEXEC:-mpirun}
MPIFLAGS=${MPIFLAGS:---oversubscribe --allow-run-as-root}
mkdir -p "$WORK"
# shellcheck source=bench/timed_runs.sh
. "$here/timed_runs.sh"
data="$WORK/data_${SAMPLES}_${VARIANTS}"

echo "== $FAMILY data: $SAMPLES samples x $VARIANTS variants (plink2 --dummy, missing calls), 4 covariates"
[ -f "$data/d.bed" ] || /usr/bin/python3 "$here/../tests/kernels/genomics/make_gwas_data.py" "$data" "$SAMPLES" "$VARIANTS" 1
rm -f "$WORK/g.h5"
t0=$(date +%s.%N)
"$KOHORT" import --plink "$data/d" --table geno --store "$WORK/g.h5" > "$WORK/import.log"
"$KOHORT" import --csv "$data/pheno.csv" --table pheno --store "$WORK/g.h5" >> "$WORK/import.log"
echo "kohort import (not in the timings below): $(echo "$(date +%s.%N) - $t0" | bc) s"

cat > "$WORK/gwas.ini" <<INI
[job]
name = bench_gwas
store = $WORK/g.h5
output = $WORK/out

[model.lin]
kind = gwas
table = pheno
genotypes = geno
formula = $outcome ~ age + male + pc1 + pc2
family = $FAMILY
INI

echo "== kohort, $RANKS ranks x $THREADS thread"
read -r k_best k_median k_rss < <(timed_kohort_runs "$WORK/gwas.ini" "$WORK/out" "$WORK/kohort.log" kohort)

echo "== plink2 --threads $RANKS"
runs=()
for rep in $(seq 1 "$REPEATS"); do
  t0=$(date +%s.%N)
  /usr/bin/time -f "PEAK_RSS_KB %M" plink2 --bfile "$data/d" --pheno "$data/pheno.txt" --pheno-name "$outcome" \
    --covar "$data/covar.txt" --glm omit-ref hide-covar cols=+a1freq --threads "$RANKS" \
    --out "$WORK/plink2" > "$WORK/plink2.log" 2>&1
  runs+=("$(echo "$(date +%s.%N) - $t0" | bc)")
  echo "plink2 run $rep: ${runs[-1]} s" >&2
done
p_best=$(printf '%s\n' "${runs[@]}" | sort -n | head -1)
p_median=$(printf '%s\n' "${runs[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
p_rss=$(grep PEAK_RSS_KB "$WORK/plink2.log" | awk '{print $2}')

/usr/bin/python3 "$here/../tests/kernels/genomics/compare_gwas.py" "$WORK/out/lin.tsv" "$WORK/$plink2_report" plink2 \
  > "$WORK/compare.txt" || true
head -3 "$WORK/compare.txt"

echo
echo "| tool | wall best (s) | wall median (s) | variants/s (best) | peak RSS per process (MiB) |"
echo "| --- | --- | --- | --- | --- |"
printf '| kohort, %d ranks | %.2f | %.2f | %.0f | %.0f |\n' "$RANKS" "$k_best" "$k_median" "$(echo "$VARIANTS / $k_best" | bc -l)" "$(echo "$k_rss / 1024" | bc -l)"
printf '| plink2 --threads %d | %.2f | %.2f | %.0f | %.0f |\n' "$RANKS" "$p_best" "$p_median" "$(echo "$VARIANTS / $p_best" | bc -l)" "$(echo "$p_rss / 1024" | bc -l)"
printf 'throughput ratio kohort / plink2 (best wall): %.2f\n' "$(echo "$p_best / $k_best" | bc -l)"
grep "gwas lin" "$WORK/kohort.log" | tail -2 || true
