#!/usr/bin/env python3
"""Differencing attack across jobs (issue 16, docs/governance.md "Across jobs").

An attacker runs many jobs whose cohorts differ by a few persons and subtracts the released counts
of every pair. The jobs sweep the lower age bound in steps of 0.03 years, shift the index date by
1 to 4 days, and exclude persons with one code in the 30 days before the index (and combinations).
The truth is the same jobs under `policy = none`. For every pair of jobs and every count that
means the same in both (cohort persons, outcomes, competing events, censored, the Cox models' rows
and events, the KM model's rows and events), a small true difference (1 .. k-1 persons) is
"recovered" when the difference of the released counts equals it: the attacker's best guess under
zero-mean noise. A comparison repeated by other job pairs (the same two person sets: the same true
and released values) is counted once: repeating a query is no new draw, by design.

The test asserts, under cell key perturbation (sds, minimum 5, the built-in table):
  - at least 50 pairs of jobs show a small true difference, and at least 50 distinct comparisons;
  - the exact-recovery rate over those differences is at most the bound the table states
    (`# exact_recovery_bound`, derived in scripts/perturbation_table.py and docs/governance.md).
The platform secret is fixed here, so the measured rate is reproducible. The same sweep under
plain `sds` (rounding to 5) is printed for comparison.

Usage: cell_key_differencing.py   (env: KOHORT, KOHORT_TEST_TMP, KOHORT_SOURCE_DIR)
"""
import itertools
import json
import os
import shutil
import subprocess
import sys

kohort = os.environ["KOHORT"]
src = os.environ["KOHORT_SOURCE_DIR"]
tmp = os.path.join(os.environ["KOHORT_TEST_TMP"], "cell_key_differencing")
shutil.rmtree(tmp, ignore_errors=True)
os.makedirs(tmp)
os.chdir(tmp)
env = dict(os.environ, OMP_NUM_THREADS="1", KOHORT_AUDIT_LOG=os.path.join(tmp, "audit.jsonl"))
K = 5  # sds

bound = None
for line in open(os.path.join(src, "share", "perturbation", "default.tsv")):
    if line.startswith("# exact_recovery_bound"):
        bound = float(line.split("\t")[1])
assert bound is not None, "the default table states no exact_recovery_bound"

with open("platform.key", "w") as f:
    f.write("5d41402abc4b2a76b9719d911017c592" * 2 + "\n")  # a fixed test secret (never a real one)
os.chmod("platform.key", 0o600)
sites = {"none": "policy = none\n", "sds": "policy = sds\n",
         "cell_key": f"policy = sds\nperturbation = cell_key\nrecord_key_file = {os.path.abspath('platform.key')}\n"}
for name, body in sites.items():
    with open(f"site_{name}.ini", "w") as f:
        f.write("[disclosure]\n" + body)
subprocess.run([kohort, "synth", "--persons", "4000", "--seed", "7", "--out", "synth.h5", "--quiet"], check=True, env=env)

demo = open(os.path.join(src, "jobs", "demo_statin_mi.ini")).read()
demo = demo.replace("store   = demo.h5", "store = synth.h5")
# Only the cohort and the models whose counts are compared (keeps the sweep quick).
demo = demo[:demo.index("; ---- Person-years")] + """
[model.km_all]
kind    = km
table   = study
formula = Surv(time, event) ~ 1

[model.cox_mi]
kind    = cox
table   = study
formula = Surv(time, event) ~ statin + diabetes + age + factor(sex)

[model.cox_death]
kind    = cox
table   = study
formula = Surv(time, competing) ~ statin + diabetes + age + factor(sex)
"""
variants = {}


def variant(age_step, shift, code):
    text = demo.replace("age        = 30, 90", f"age        = {30 + 0.03 * age_step:.2f}, 90")
    if shift:
        text = text.replace("index      = 2010-01-01", f"index      = 2010-01-0{1 + shift}")
    if code:
        recent = f"[variable.recent]\nregister = diagnoses\ncolumn   = icd10\ncodes    = {code}*\nwindow   = -30, 0\nvalue    = any\n\n"
        text = text.replace("exclude    = prior_mi", "exclude    = prior_mi, recent").replace(
            "; ---- The study", recent + "; ---- The study")
    return text


for age_step in range(10):
    for code in (None, "I10", "C44"):
        variants[f"age{age_step}_{code or 'all'}"] = variant(age_step, 0, code)
for shift in range(1, 5):
    variants[f"index+{shift}"] = variant(0, shift, None)


def counts(res):
    s, m = res["derived_tables"]["study"], res["models"]
    return {"persons": s["persons"], "events": s["events"], "competing": s["competing_events"], "censored": s["censored"],
            "cox_mi.n": m["cox_mi"].get("n"), "cox_mi.events": m["cox_mi"].get("events"),
            "cox_death.events": m["cox_death"].get("events"), "km.n": m["km_all"].get("n"), "km.events": m["km_all"].get("events")}


results = {site: {} for site in sites}
for name, text in variants.items():
    with open(f"{name}.ini", "w") as f:
        f.write(text)
    for site in sites:
        out = f"out_{site}_{name}"
        r = subprocess.run([kohort, "run", f"{name}.ini", "-q", "--set", f"job.output={out}"],
                           env=dict(env, KOHORT_SITE_CONFIG=os.path.abspath(f"site_{site}.ini")), capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f"FAIL: {name} under {site}: exit {r.returncode}: {r.stderr[-2000:]}")
        with open(os.path.join(out, "results.json")) as f:
            results[site][name] = counts(json.load(f))


def attack(site):
    """Distinct comparisons: per count meaning, a pair of distinct (true, released) values with a
    small true difference. Jobs whose sets come out identical for a meaning give one value (the same
    persons, the same noise), so a repeated comparison is counted once, not once per job pair."""
    comparisons = set()
    job_pairs = set()
    for a, b in itertools.combinations(variants, 2):
        for key in results["none"][a]:
            ta, tb, ra, rb = results["none"][a][key], results["none"][b][key], results[site][a][key], results[site][b][key]
            if not 1 <= abs(ta - tb) <= K - 1 or ra is None or rb is None:
                continue
            comparisons.add((key, frozenset([(ta, ra), (tb, rb)])))
            job_pairs.add((a, b))
    exact = 0
    for key, sides in comparisons:
        (ta, ra), (tb, rb) = sorted(sides)
        exact += (ra - rb) == (ta - tb)
    return len(job_pairs), len(comparisons), exact


pairs, small, exact = attack("cell_key")
p_sds, s_sds, e_sds = attack("sds")
rate = exact / small if small else 1.0
print(f"{len(variants)} jobs, {len(variants) * (len(variants) - 1) // 2} pairs; {pairs} pairs show a small true difference, "
      f"{small} distinct comparisons")
print(f"cell key perturbation: {exact} of {small} distinct small differences recovered exactly: rate {rate:.3f} "
      f"(bound {bound:.3f} from the table)")
print(f"plain sds (rounding to 5), for comparison: {e_sds} of {s_sds} recovered exactly: rate "
      f"{(e_sds / s_sds if s_sds else 0):.3f}")
if pairs < 50:
    sys.exit(f"FAIL: only {pairs} pairs of jobs show a small difference; expected at least 50")
if small < 50:
    sys.exit(f"FAIL: only {small} distinct small differences; expected at least 50")
if rate > bound:
    sys.exit(f"FAIL: exact-recovery rate {rate:.3f} exceeds the stated bound {bound:.3f}")
print("PASS")
