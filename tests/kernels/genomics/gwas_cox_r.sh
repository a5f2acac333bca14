#!/usr/bin/env bash
# Surv GWAS conformance (contract section 8): plink2 --dummy genotypes (missing calls, rare and
# monomorphic variants) imported with kohort import --plink, a survival phenotype with tied times
# (make_cox_pheno.py), covariates age + male + pc1 + pc2; every variant compared with R's coxph
# (gwas_cox_reference.R: score test at the null estimates with init and iter.max = 0, and the full
# fit below refit_p) at 1e-6 relative, at 1, 2, 3 and 5 ranks; the rank counts (and 3 threads per rank)
# with each other at 1e-10 relative; and the disclosure gate (minor allele count, events carrying
# the minor allele) counted from R's own output.
source "$(dirname "$0")/common.sh"
require_tool plink2
require_tool Rscript r-base-core
Rscript -e 'library(survival)' >/dev/null 2>&1 || fail "R package survival is not installed (Debian r-cran-survival)"

REFIT_P=0.01  # high on purpose, so that several variants get the full fit
"$PY" "$HERE/make_gwas_data.py" data 600 300 17 || fail "making test data"
"$PY" "$HERE/make_cox_pheno.py" data 17 || fail "making the survival phenotype"
plink2 --bfile data/d --export A --out data/d >"$T/out.txt" 2>&1 || fail "plink2 --export A"
Rscript "$HERE/gwas_cox_reference.R" data data/cox.tsv "$REFIT_P" >"$T/out.txt" 2>&1 || fail "R coxph reference"
cat "$T/out.txt"

run_kohort import --plink data/d --table geno --store s.h5 --block-variants 64
[ "$RC" = 0 ] || fail "import --plink (exit $RC)"
run_kohort import --csv data/surv.csv --table surv --store s.h5
[ "$RC" = 0 ] || fail "import --csv (exit $RC)"
cat >job.ini <<INI
[job]
name = gwas_cox
store = s.h5
output = out

[model.mi]
kind = gwas
table = surv
genotypes = geno
formula = Surv(time, status) ~ age + male + pc1 + pc2
refit_p = $REFIT_P
block = 50
INI
for np in 1 2 3 5; do
    run_job_np "$np" job.ini --set job.output="out$np"
    [ -f "out$np/mi.tsv" ] || fail "no out$np/mi.tsv"
    head -1 "out$np/mi.tsv" | grep -qP '^#CHROM\tPOS\tID\tREF\tALT\tA1\tA1_FREQ\tOBS_CT\tZ_STAT\tP\tBETA\tSE\tWALD_P$' ||
        fail "TSV columns: $(head -1 "out$np/mi.tsv")"
    "$PY" "$HERE/compare_gwas.py" "out$np/mi.tsv" data/cox.tsv exact --rel 1e-6 || fail "R coxph mismatch at $np ranks"
done
"$PY" - <<'PY' || fail "too few refitted or significant variants for a meaningful test"
import csv
rows = list(csv.DictReader(open("data/cox.tsv"), delimiter="\t"))
refit = [r for r in rows if r["BETA"] != "NA"]
assert len(refit) >= 5, len(refit)
print("R refitted", len(refit), "variants; smallest P", min(float(r["P"]) for r in rows if r["P"] != "NA"))
PY
"$PY" "$HERE/compare_gwas.py" out2/mi.tsv out1/mi.tsv exact --rel 1e-10 || fail "2 ranks differ from 1"
"$PY" "$HERE/compare_gwas.py" out3/mi.tsv out1/mi.tsv exact --rel 1e-10 || fail "3 ranks differ from 1"
"$PY" "$HERE/compare_gwas.py" out5/mi.tsv out1/mi.tsv exact --rel 1e-10 || fail "5 ranks differ from 1"
run_job_np 2 job.ini --set job.output=out2t3 --set job.threads=3
"$PY" "$HERE/compare_gwas.py" out2t3/mi.tsv out1/mi.tsv exact --rel 1e-10 || fail "3 threads per rank differ from 1"
for f in out1/mi_manhattan.svg out1/mi_qq.svg; do
    grep -q "<svg" "$f" || fail "$f is not an SVG"
done
"$PY" - <<'PY' || fail "results.json"
import json
r = json.load(open("out1/results.json"))["models"]["mi"]
assert r["kind"] == "gwas" and r["family"] == "cox" and r["variants"] == 300, r
assert r["variants_tested"] + r["variants_na"] + r["variants_withheld"] == 300
assert len(r["top"]) == 20 and r["lambda_gc"] > 0 and r["cox"]["refits"] >= 5, r["cox"]
print("results.json: tested", r["variants_tested"], "na", r["variants_na"], "lambda", r["lambda_gc"], "cox", r["cox"])
PY
# Disclosure (policy sds, minimum 5): exactly the variants whose minor allele count, or number of
# events carrying the minor allele, is 1-4 (as R counts them) are withheld.
printf '[disclosure]\npolicy = sds\n' >sds.ini
KOHORT_SITE_CONFIG=$T/sds.ini run_job_np 2 job.ini --set job.output=outsds
"$PY" - <<'PY' || fail "disclosure gate"
import csv, json
ref = {r["ID"]: r for r in csv.DictReader(open("data/cox.tsv"), delimiter="\t")}
ours = {r["ID"]: r for r in csv.DictReader(open("outsds/mi.tsv"), delimiter="\t")}
small = lambda c: 0 < c < 5
expect = {v for v, r in ref.items() if small(round(float(r["MAC"]))) or small(int(r["EV_MINOR"]))}
assert any(small(int(r["EV_MINOR"])) and not small(round(float(r["MAC"]))) for r in ref.values()), "no variant tests the events count"
assert expect and set(ref) - set(ours) == expect, (sorted(expect), sorted(set(ref) - set(ours)))
j = json.load(open("outsds/results.json"))["models"]["mi"]
assert j["variants_withheld"] == len(expect), j["variants_withheld"]
print("sds: withheld", len(expect), "variants")
PY
# Bad input: exit 2 with a message naming the problem.
expect_usage_error() {  # PATTERN SETTINGS...: kohort run on 2 ranks must exit 2 with PATTERN in its output
    local pattern=$1
    shift
    "$MPIEXEC" "${MPIFLAGS[@]}" -np 2 "$KOHORT" run job.ini --set job.output=outbad "$@" >"$T/out.txt" 2>&1
    local rc=$?
    [ "$rc" = 2 ] || fail "expected exit 2 for $*, got $rc"
    grep -q "$pattern" "$T/out.txt" || fail "expected '$pattern' for $*"
}
expect_usage_error "omit family" --set model.mi.family=gaussian
"$PY" - <<'PY' || fail "making the censored-only table"
import csv
rows = list(csv.DictReader(open("data/surv.csv")))
with open("data/censored.csv", "w") as f:
    f.write("pid,time,status,age,male,pc1,pc2\n")
    for r in rows:
        f.write(f"{r['pid']},{r['time']},0,{r['age']},{r['male']},{r['pc1']},{r['pc2']}\n")
PY
run_kohort import --csv data/censored.csv --table censored --store s.h5
[ "$RC" = 0 ] || fail "import --csv censored (exit $RC)"
expect_usage_error "no events" --set model.mi.table=censored
echo "PASS gwas Surv (Cox score test and refits) vs R coxph at 1, 2, 3, 5 ranks"
