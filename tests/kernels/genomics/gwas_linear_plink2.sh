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
# Disclosure (policy sds, minimum 5): exactly the variants whose minor allele count or number of
# missing calls is 1-4 are withheld, counted from plink2's own report; the others are released with
# OBS_CT rounded to 5 and A1_FREQ to 4 decimals (docs/governance.md, "GWAS").
printf '[disclosure]\npolicy = sds\n' >sds.ini
KOHORT_SITE_CONFIG=$T/sds.ini run_job_np 2 job.ini --set job.output=outsds
"$PY" - <<'PY' || fail "disclosure gate"
import csv, json
ref = {r["ID"]: r for r in csv.DictReader(open("data/ref.y.glm.linear"), delimiter="\t")}
ours = {r["ID"]: r for r in csv.DictReader(open("outsds/ldl.tsv"), delimiter="\t")}
n = max(int(r["OBS_CT"]) for r in ref.values())
def small(c): return 0 < c < 5
expect_withheld = set()
for vid, r in ref.items():
    obs, f = int(r["OBS_CT"]), float(r["A1_FREQ"])
    mac = round(min(f, 1 - f) * 2 * obs)
    if small(mac) or small(n - obs):
        expect_withheld.add(vid)
assert expect_withheld and set(ref) - set(ours) == expect_withheld, (sorted(expect_withheld), sorted(set(ref) - set(ours)))
j = json.load(open("outsds/results.json"))["models"]["ldl"]
assert j["variants_withheld"] == len(expect_withheld), j["variants_withheld"]
for vid, r in ours.items():
    obs, want = int(r["OBS_CT"]), int(ref[vid]["OBS_CT"])
    assert obs % 5 == 0 and abs(obs - want) <= 2, (vid, obs, want)
    assert abs(float(r["A1_FREQ"]) - float(ref[vid]["A1_FREQ"])) <= 5.1e-5 and len(r["A1_FREQ"].split(".")[-1]) <= 4, (vid, r["A1_FREQ"])
print("sds: withheld", len(expect_withheld), "variants (rare or with 1-4 missing calls)")
PY
echo "PASS gwas linear vs plink2 and R at 1, 2, 3 ranks"
