#!/usr/bin/env bash
# Gaussian GWAS conformance: plink2 --dummy genotypes (missing calls, rare and monomorphic
# variants), imported with kohort import --plink; every variant compared with
#  - plink2 --glm omit-ref (A1 = .bim column 5) at plink2's printed precision (6 significant digits),
#  - R's lm() at 1e-8 relative (full precision),
# at 1, 2 and 3 ranks; and the rank counts (and 3 threads per rank) with each other at 1e-10 relative.
source "$(dirname "$0")/common.sh"
require_tool plink2
require_tool Rscript r-base-core

"$PY" "$HERE/make_gwas_data.py" data 700 400 11 || fail "making test data"
plink2 --bfile data/d --pheno data/pheno.txt --pheno-name y --covar data/covar.txt \
    --glm omit-ref hide-covar cols=+a1freq --out data/ref >"$T/out.txt" 2>&1 || fail "plink2 --glm"
plink2 --bfile data/d --export A --out data/d >"$T/out.txt" 2>&1 || fail "plink2 --export A"
Rscript "$HERE/gwas_lm_reference.R" data data/lm.tsv >"$T/out.txt" 2>&1 || fail "R lm reference"

run_kohort import --plink data/d --table geno --store s.h5 --block-variants 64
[ "$RC" = 0 ] || fail "import --plink (exit $RC)"
run_kohort import --csv data/pheno.csv --table pheno --store s.h5
[ "$RC" = 0 ] || fail "import --csv (exit $RC)"
cat >job.ini <<'INI'
[job]
name = gwas_linear
store = s.h5
output = out

[model.ldl]
kind = gwas
table = pheno
genotypes = geno
formula = y ~ age + male + pc1 + pc2
family = gaussian
block = 50
INI
for np in 1 2 3; do
    run_job_np "$np" job.ini --set job.output="out$np"
    [ -f "out$np/ldl.tsv" ] || fail "no out$np/ldl.tsv"
    "$PY" "$HERE/compare_gwas.py" "out$np/ldl.tsv" data/ref.y.glm.linear plink2 || fail "plink2 mismatch at $np ranks"
    "$PY" "$HERE/compare_gwas.py" "out$np/ldl.tsv" data/lm.tsv exact --rel 1e-8 || fail "R lm mismatch at $np ranks"
done
"$PY" "$HERE/compare_gwas.py" out2/ldl.tsv out1/ldl.tsv exact --rel 1e-10 || fail "2 ranks differ from 1"
"$PY" "$HERE/compare_gwas.py" out3/ldl.tsv out1/ldl.tsv exact --rel 1e-10 || fail "3 ranks differ from 1"
run_job_np 2 job.ini --set job.output=out2t3 --set job.threads=3
"$PY" "$HERE/compare_gwas.py" out2t3/ldl.tsv out1/ldl.tsv exact --rel 1e-10 || fail "3 threads per rank differ from 1"
for f in out1/ldl_manhattan.svg out1/ldl_qq.svg; do
    grep -q "<svg" "$f" || fail "$f is not an SVG"
done
grep -q "5e-8" out1/ldl_manhattan.svg || fail "no genome-wide line on the Manhattan plot"
"$PY" - <<'PY' || fail "results.json"
import json
r = json.load(open("out1/results.json"))["models"]["ldl"]
assert r["kind"] == "gwas" and r["variants"] == 400, r
assert r["variants_tested"] + r["variants_na"] + r["variants_withheld"] == 400
assert len(r["top"]) == 20 and r["lambda_gc"] > 0
print("results.json: tested", r["variants_tested"], "na", r["variants_na"], "lambda", r["lambda_gc"])
PY
echo "PASS gwas linear vs plink2 and R at 1, 2, 3 ranks"
