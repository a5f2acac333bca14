#!/usr/bin/env bash
# `kohort demo` end to end on 2 ranks with a fixed seed: the job succeeds, writes its curves and
# plots, and every planted hazard ratio (read from the store's /synth attributes with h5py, not
# from kohort) lies inside the 95% confidence interval of its estimate in results.json.
set -euo pipefail
: "${KOHORT:?}" "${KOHORT_TEST_TMP:?}"
PERSONS=${DEMO_PERSONS:-60000}
SEED=${DEMO_SEED:-3}
rm -rf "$KOHORT_TEST_TMP"; mkdir -p "$KOHORT_TEST_TMP"; cd "$KOHORT_TEST_TMP"

"$KOHORT" demo --persons "$PERSONS" --seed "$SEED" --ranks 2 --dir demo > report.txt 2> demo.log || {
    echo "kohort demo failed:"; tail -30 demo.log; exit 1; }
cat report.txt
for f in results.json km_statin.svg cif_statin.svg cox_mi.csv cox_death.csv finegray_mi.csv poisson_mi.csv; do
    [[ -s demo/results/$f ]] || { echo "missing demo/results/$f"; exit 1; }
done

/usr/bin/python3 - demo/results/results.json demo/demo.h5 <<'PY'
import json, math, sys
import h5py
r = json.load(open(sys.argv[1], encoding="utf-8"))
truth = dict(h5py.File(sys.argv[2], "r")["synth"].attrs)
# model term -> the planted attribute it estimates (docs/synthetic.md): cause-specific hazard ratios.
plan = {"cox_mi": "mi", "poisson_mi": "mi", "cox_death": "death"}
terms = {"statin": "hr_statin", "diabetes": "hr_diabetes", "age": "hr_age_per_year", "sex=M": "hr_male"}
checked, missed = 0, []
for model, prefix in plan.items():
    coefs = {c["term"]: c for c in r["models"][model]["coefficients"]}
    for term, suffix in terms.items():
        c = coefs[term]
        lo = math.exp(c["estimate"] - 1.959964 * c["se"]); hi = math.exp(c["estimate"] + 1.959964 * c["se"])
        t = float(truth[prefix + "_" + suffix])
        checked += 1
        print(f"{model:11s} {term:9s} {math.exp(c['estimate']):.4f} [{lo:.4f}, {hi:.4f}] planted {t:.4f}")
        if not lo <= t <= hi: missed.append(f"{model} {term}")
study = r["derived_tables"]["study"]
assert study["events"] > 100 and study["competing_events"] > 100, study
assert r["models"]["finegray_mi"]["coefficients"], "finegray has no coefficients"
assert checked == 12
if missed:
    sys.exit("planted value outside the 95% CI: " + ", ".join(missed))
print(f"all {checked} planted hazard ratios inside their 95% CIs")
PY
grep -q "12 of 12 planted hazard ratios lie inside" report.txt || { echo "the demo report does not say 12 of 12"; exit 1; }
echo "demo_truth: ok"
