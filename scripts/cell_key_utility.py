#!/usr/bin/env python3
"""Utility of cell key perturbation on the demo study (issue 16; figures in docs/governance.md).

Usage: scripts/cell_key_utility.py [--persons 100000] [--secrets 10] [--kohort build/bin/kohort] [--work DIR]

Synthesises the demo store, runs jobs/demo_statin_mi.ini once under `policy = none` (the truth)
and once per platform secret under `sds` with cell key perturbation (each secret is a fresh
`kohort keygen`: a different draw of the record keys), and under plain `sds` (rounding) once.
Reports, over the secrets, the bias (mean perturbed - true) and the variance of:
  - the Cox models' events (cox_mi, cox_death) and the cohort's persons;
  - the KM curve (km_statin, both strata): the survival at 2, 5 and 10 years, and the largest
    absolute difference from the exact curve (the sup norm, as results.json's max_abs_diff_from_exact).
"""
import argparse
import json
import os
import statistics
import subprocess

ap = argparse.ArgumentParser()
ap.add_argument("--persons", type=int, default=100000)
ap.add_argument("--secrets", type=int, default=10)
ap.add_argument("--kohort", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build", "bin", "kohort"))
ap.add_argument("--work", default="/tmp/kohort_cell_key_utility")
o = ap.parse_args()
kohort = os.path.abspath(o.kohort)
os.makedirs(o.work, exist_ok=True)
os.chdir(o.work)
src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
env = dict(os.environ, KOHORT_AUDIT_LOG=os.path.join(o.work, "audit.jsonl"))
store = f"demo{o.persons}.h5"
if not os.path.exists(store):
    subprocess.run([kohort, "synth", "--persons", str(o.persons), "--seed", "2026", "--out", store, "-q"], check=True, env=env)


def run(site_text, out):
    with open("site.ini", "w") as f:
        f.write("[disclosure]\n" + site_text)
    subprocess.run([kohort, "run", os.path.join(src, "jobs", "demo_statin_mi.ini"), "-q", "--set", f"job.store={os.path.abspath(store)}",
                    "--set", f"job.output={out}"], check=True, env=dict(env, KOHORT_SITE_CONFIG=os.path.abspath("site.ini")),
                   capture_output=True)
    with open(os.path.join(out, "results.json")) as f:
        return json.load(f)


def step_at(times, values, t):
    v = 1.0
    for ti, vi in zip(times, values):
        if ti <= t:
            v = vi
        else:
            break
    return v


def sup_diff(a, b):
    ts = sorted(set(a["time"]) | set(b["time"]))
    return max(abs(step_at(a["time"], a["survival"], t) - step_at(b["time"], b["survival"], t)) for t in ts)


def summary(res):
    m = res["models"]
    out = {"persons": res["derived_tables"]["study"]["persons"],
           "cox_mi.events": m["cox_mi"]["events"], "cox_death.events": m["cox_death"]["events"]}
    for c in m["km_statin"]["curves"]:
        for t in (2, 5, 10):
            out[f"S({t}) {c['stratum']}"] = step_at(c["time"], c["survival"], t)
    return out


truth_res = run("policy = none\n", "out_none")
truth = summary(truth_res)
exact_curves = {c["stratum"]: c for c in truth_res["models"]["km_statin"]["curves"]}
draws = []
for i in range(o.secrets):
    key = f"secret{i}.key"
    if not os.path.exists(key):
        subprocess.run([kohort, "keygen", "--out", key], check=True, capture_output=True)
    res = run(f"policy = sds\nperturbation = cell_key\nrecord_key_file = {os.path.abspath(key)}\n", f"out_ck{i}")
    s = summary(res)
    for c in res["models"]["km_statin"]["curves"]:
        s[f"sup |S - S_exact| {c['stratum']}"] = sup_diff(c, exact_curves[c["stratum"]])
    draws.append(s)
rounded = run("policy = sds\n", "out_sds")
rs = summary(rounded)
for c in rounded["models"]["km_statin"]["curves"]:
    rs[f"sup |S - S_exact| {c['stratum']}"] = sup_diff(c, exact_curves[c["stratum"]])

print(f"demo study, {o.persons} persons; cell key perturbation over {o.secrets} platform secrets (built-in table D=3, V=2)")
print(f"{'quantity':34} {'truth':>12} {'bias':>10} {'variance':>10} {'sd':>9} {'sds rounding':>13}")
for k in draws[0]:
    vals = [d[k] for d in draws]
    t = truth.get(k, 0.0)
    bias = statistics.mean(v - t for v in vals)
    var = statistics.pvariance(vals) if len(vals) > 1 else 0.0
    print(f"{k:34} {t:12.6g} {bias:10.3g} {var:10.3g} {var ** 0.5:9.3g} {rs[k] - (t if 'sup' not in k else 0):13.3g}")
