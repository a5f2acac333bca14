#!/usr/bin/env bash
# jobs/demo_gwas.ini on a synthetic cohort with genotypes recovers the planted SNP effects
# (docs/synthetic.md): the LDL betas within 4 standard errors, and both MI SNPs at the top of the MI
# scan with P < 1e-5. Also checks the two LDL SNPs lead the LDL scan, and that the Surv GWAS of time
# to first MI (gwas_mi_cox) puts both MI SNPs first and estimates their hazard ratios within 4 SE.
source "$(dirname "$0")/common.sh"
M=400
"$MPIEXEC" "${MPIFLAGS[@]}" -np 2 "$KOHORT" synth --persons 100000 --seed 2026 --genotypes $M --out gwas.h5 --quiet \
    >"$T/out.txt" 2>&1 || fail "kohort synth"
run_job_np 2 "$KOHORT_SOURCE_DIR/jobs/demo_gwas.ini" --set job.store="$T/gwas.h5" --set job.output="$T/out"
"$PY" - "$M" <<'PY' || fail "planted effects not recovered"
import csv, json, sys
import h5py
m = int(sys.argv[1])
with h5py.File("gwas.h5", "r") as f:
    a = dict(f["synth"].attrs)
def rows(path):
    with open(path) as fh:
        return {r["ID"]: r for r in csv.DictReader(fh, delimiter="\t")}
ldl, mi = rows("out/gwas_ldl.tsv"), rows("out/gwas_mi.tsv")
ok = True
for k in (3, 4):
    snp = "snp%d" % (int(a["gwas_snp%d_index" % k]) + 1)
    beta, se, true = float(ldl[snp]["BETA"]), float(ldl[snp]["SE"]), a["gwas_snp%d_ldl_beta" % k]
    print(f"LDL {snp}: BETA {beta:.4f} (SE {se:.4f}), planted {true}")
    ok &= abs(beta - true) < 4 * se
top_ldl = sorted(ldl.values(), key=lambda r: float(r["P"]) if r["P"] != "NA" else 1)[:2]
ok &= {r["ID"] for r in top_ldl} == {"snp%d" % (int(a["gwas_snp%d_index" % k]) + 1) for k in (3, 4)}
order = [r["ID"] for r in sorted(mi.values(), key=lambda r: float(r["P"]) if r["P"] != "NA" else 1)]
for k in (1, 2):
    snp = "snp%d" % (int(a["gwas_snp%d_index" % k]) + 1)
    print(f"MI {snp} (planted HR {a['gwas_snp%d_mi_hr' % k]}): rank {order.index(snp) + 1}, P {mi[snp]['P']}")
    ok &= order.index(snp) < 5 and float(mi[snp]["P"]) < 1e-5
r = json.load(open("out/results.json"))["models"]
print("lambda GC:", r["gwas_ldl"]["lambda_gc"], r["gwas_mi"]["lambda_gc"])
sys.exit(0 if ok else 1)
PY
"$PY" - <<'PY' || fail "planted MI hazard ratios not recovered by the Surv GWAS"
import csv, math
import h5py
with h5py.File("gwas.h5", "r") as f:
    a = dict(f["synth"].attrs)
with open("out/gwas_mi_cox.tsv") as fh:
    cox = {r["ID"]: r for r in csv.DictReader(fh, delimiter="\t")}
order = [r["ID"] for r in sorted(cox.values(), key=lambda r: float(r["P"]) if r["P"] != "NA" else 1)]
ok = True
for k in (1, 2):
    snp = "snp%d" % (int(a["gwas_snp%d_index" % k]) + 1)
    r, true = cox[snp], math.log(a["gwas_snp%d_mi_hr" % k])
    beta, se = float(r["BETA"]), float(r["SE"])  # refitted: score P < refit_p = 1e-5
    print(f"Surv MI {snp}: rank {order.index(snp) + 1}, Z {r['Z_STAT']}, P {r['P']}, HR {math.exp(beta):.3f} "
          f"(log HR {beta:.4f}, SE {se:.4f}), planted HR {a['gwas_snp%d_mi_hr' % k]}")
    ok &= order.index(snp) < 2 and float(r["P"]) < 1e-5 and abs(beta - true) < 4 * se
raise SystemExit(0 if ok else 1)
PY
echo "PASS demo_gwas recovers the planted SNP effects"
