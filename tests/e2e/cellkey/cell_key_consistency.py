#!/usr/bin/env python3
"""Cell key perturbation end to end (issue 16, docs/governance.md "Across jobs").

1. Same persons, same count: one cohort expressed by two different job files (variables and the
   exclusion window written differently, covariates and terms reordered, other model names) gives
   identical perturbed counts and curves at 1, 2, 3 and 4 ranks.
2. The perturbation is real: the same job under `policy = none` gives the exact counts, and some
   released counts differ from them, each by at most the table's largest noise.
3. Every kind runs under perturbation (a kernel that releases a count without its cell key stops
   with an internal error).
4. No secret and no record key in any output, job.log, the audit log, or any message (success and
   error runs): the platform secret as hex and raw bytes, and every person's record key (computed
   here with Python's hmac, from pids read back through a `table` by pid under `none`) as decimal
   and hexadecimal text.

Usage: cell_key_consistency.py   (env: KOHORT, KOHORT_MPIEXEC, KOHORT_TEST_TMP)
"""
import hashlib
import hmac
import json
import os
import random
import shutil
import stat
import subprocess
import sys

kohort = os.environ["KOHORT"]
mpiexec = os.environ.get("KOHORT_MPIEXEC", "mpirun")
tmp = os.path.join(os.environ["KOHORT_TEST_TMP"], "cell_key")
shutil.rmtree(tmp, ignore_errors=True)
os.makedirs(tmp)
os.chdir(tmp)
audit = os.path.join(tmp, "audit.jsonl")
env = dict(os.environ, OMP_NUM_THREADS="1", KOHORT_AUDIT_LOG=audit)
messages = []  # every stdout/stderr of every run, for the grep
failures = []


def sh(cmd, site=None, expect=0):
    e = dict(env)
    if site:
        e["KOHORT_SITE_CONFIG"] = os.path.abspath(site)
    r = subprocess.run(cmd, env=e, capture_output=True, text=True)
    messages.append(r.stdout + r.stderr)
    if r.returncode != expect:
        sys.exit(f"FAIL: {' '.join(cmd)} exit {r.returncode} (expected {expect}): {r.stderr[-3000:]}")
    return r


def run(job, site, np, out, sets=()):
    cmd = [mpiexec, "--oversubscribe", "--allow-run-as-root", "-np", str(np), kohort, "run", job,
           "--set", f"job.output={out}"]
    for s in sets:
        cmd += ["--set", s]
    sh(cmd, site)
    with open(os.path.join(out, "results.json")) as f:
        return json.load(f)


sh([kohort, "keygen", "--out", "platform.key"])
secret_hex = open("platform.key").read().strip()
secret = bytes.fromhex(secret_hex)
def record_key(pid):
    d = hmac.new(secret, b"kohort-record-key" + pid.to_bytes(8, "big"), hashlib.sha256).digest()
    return int.from_bytes(d[:8], "big")


# The built-in table, read here as published: per count class, (noise, probability) in order.
TABLE = {}
for line in open(os.path.join(os.environ["KOHORT_SOURCE_DIR"], "share", "perturbation", "default.tsv")):
    if line[0].isdigit():
        c, v, p = line.split("\t")
        TABLE.setdefault(int(c), []).append((int(v), float(p)))


def perturbed(count, key):
    """The released count as docs/governance.md defines it, computed independently of kohort."""
    if count == 0:
        return 0
    u, cum = key / 2 ** 64, 0.0
    for v, p in TABLE[min(count, max(TABLE))]:
        cum += p
        if u < cum:
            break
    c = max(0, count + v)
    return None if 0 < c < 5 else c


with open("site_ck.ini", "w") as f:
    f.write(f"[disclosure]\npolicy = sds\nperturbation = cell_key\nrecord_key_file = {os.path.abspath('platform.key')}\n")
with open("site_none.ini", "w") as f:
    f.write("[disclosure]\npolicy = none\n")

# ---- 1. Two job files, one cohort.
sh([kohort, "synth", "--persons", "3000", "--seed", "11", "--out", "synth.h5", "--quiet"])
demo = open(os.path.join(os.environ["KOHORT_SOURCE_DIR"], "jobs", "demo_statin_mi.ini")).read()
job_a = demo.replace("store   = demo.h5", "store = synth.h5")
job_b = (job_a.replace("name    = demo_statin_mi", "name = other_way")
         .replace("codes    = I21*\nwindow   = -inf, 0", "codes    = I21, I21*\nwindow   = -40000, 0")
         .replace("covariates = age, sex, statin, diabetes", "covariates = diabetes, statin, sex, age")
         .replace("[model.cox_mi]\nkind    = cox\ntable   = study\nformula = Surv(time, event) ~ statin + diabetes + age + factor(sex)",
                  "[model.mi_hazard]\nkind    = cox\ntable   = study\nformula = Surv(time, event) ~ factor(sex) + age + diabetes + statin")
         .replace("[model.km_statin]", "[model.survival_by_statin]"))
assert job_a != job_b and "I21, I21*" in job_b and "mi_hazard" in job_b and "survival_by_statin" in job_b
open("a.ini", "w").write(job_a)
open("b.ini", "w").write(job_b)
NAMES = {"a": {"km": "km_statin", "cox": "cox_mi"}, "b": {"km": "survival_by_statin", "cox": "mi_hazard"}}


def released(res, which):
    """The released counts and curves that mean the same in both job files."""
    m = res["models"]
    study = res["derived_tables"]["study"]
    out = {"cohort": [study[k] for k in ("persons", "events", "competing_events", "censored")],
           "in_cohort": study["flow"][-1]["persons"],
           "lexis": [res["derived_tables"]["rates"][k] for k in ("rows", "events")]}
    km = m[NAMES[which]["km"]]
    out["km"] = [km["n"], km["events"]] + [(c["stratum"], c["time"], c["n_risk"], c["n_event"], c["n_censor"], c["survival"])
                                         for c in km["curves"]]
    out["cif"] = [(c["stratum"], c["cause"], c["n_risk"], c["n_event"], c["estimate"]) for c in m["cif_statin"]["curves"]]
    out["cox_mi"] = [m[NAMES[which]["cox"]][k] for k in ("n", "events", "n_dropped_missing")]
    out["cox_death"] = [m["cox_death"][k] for k in ("n", "events")]
    out["finegray"] = [m["finegray_mi"][k] for k in ("n", "events", "competing_events", "censored")]
    out["poisson"] = [m["poisson_mi"]["n"]]
    return out


reference = None
for which, job in (("a", "a.ini"), ("b", "b.ini")):
    for np in (1, 2, 3, 4):
        res = run(job, "site_ck.ini", np, f"out_{which}{np}")
        got = released(res, which)
        if reference is None:
            reference = got
            continue
        for key in reference:
            if got[key] != reference[key]:
                failures.append(f"job {which} at {np} ranks: {key} differs: {got[key]} vs {reference[key]} (job a, 1 rank)")
print(f"same persons, same count: job files a and b at 1-4 ranks: {len(reference)} groups of counts compared, "
      f"{sum(1 for f in failures if 'differs' in f)} differ")

# ---- 2. The perturbation is real and bounded by the table's largest noise (3).
truth = released(run("a.ini", "site_none.ini", 1, "out_truth"), "a")
plain = [("cohort", i) for i in range(4)] + [("cox_mi", 0), ("cox_mi", 1), ("cox_death", 0), ("cox_death", 1),
                                             ("finegray", 0), ("finegray", 1), ("finegray", 2), ("finegray", 3)]
moved = 0
for key, i in plain:
    p, t = reference[key][i], truth[key][i]
    if p is None:
        continue
    moved += p != t
    if abs(p - t) > 3:
        failures.append(f"{key}[{i}]: perturbed {p} is more than 3 from the truth {t}")
if moved == 0:
    failures.append("no released count differs from the truth: perturbation is not applied")
print(f"perturbation: {moved} of {len(plain)} plain counts moved, each by at most 3")

# ---- 3. Every kind under perturbation, on a table with known pids.
rnd = random.Random(16)
pids = rnd.sample(range(1, 2 ** 62), 600)
with open("t.csv", "w") as f:
    f.write("pid,grp,sex,age,x,time,status,cause\n")
    for i, pid in enumerate(pids):
        t = max(1, int(rnd.expovariate(1 / 400)))
        status = 1 if rnd.random() < 0.4 else 0
        f.write(f"{pid},{'ABC'[i % 3]},{rnd.choice([1, 2])},{round(rnd.uniform(30, 90), 1)},{round(rnd.gauss(0, 1), 3)},"
                f"{t},{status},{0 if status == 0 else rnd.choice([1, 2])}\n")
sh([kohort, "import", "--csv", "t.csv", "--table", "t", "--store", "t.h5"])
with open("kinds.ini", "w") as f:
    f.write("[job]\nname = kinds\nstore = t.h5\noutput = out_kinds\n"
            "[model.km]\nkind = km\ntable = t\nformula = Surv(time, status) ~ grp\n"
            "[model.cif]\nkind = cif\ntable = t\nformula = Surv(time, cause) ~ grp\n"
            "[model.tab]\nkind = table\ntable = t\nby = grp, sex\n"
            "[model.s]\nkind = summary\ntable = t\ncolumns = age, x\n"
            "[model.glm]\nkind = glm\nfamily = binomial\ntable = t\nformula = status ~ age + factor(sex)\n"
            "[model.cox]\nkind = cox\ntable = t\nformula = Surv(time, status) ~ age + factor(sex)\n"
            "[model.fg]\nkind = finegray\ntable = t\nformula = Surv(time, cause) ~ age + factor(sex)\n")
kinds = run("kinds.ini", "site_ck.ini", 2, "out_kinds")
# The table's cells and total against the definition: record keys by HMAC here, summed modulo
# 2^64 per cell, the noise read off the published table by inverse CDF.
cells, total = {}, [0, 0]
for line in open("t.csv").read().splitlines()[1:]:
    f = line.split(",")
    n, key = cells.get((f[1], f[2]), (0, 0))
    cells[(f[1], f[2])] = (n + 1, (key + record_key(int(f[0]))) % 2 ** 64)
    total = [total[0] + 1, (total[1] + record_key(int(f[0]))) % 2 ** 64]
checked = 0
for c in kinds["models"]["tab"]["cells"]:
    want = perturbed(*cells[(c["grp"], str(c["sex"]))])
    checked += 1
    if c["count"] != want:
        failures.append(f"table cell {c}: expected {want} from the definition")
if kinds["models"]["tab"]["n"] != perturbed(*total):
    failures.append(f"table total {kinds['models']['tab']['n']}: expected {perturbed(*total)} from the definition")
print(f"table cells and total recomputed from the definition: {checked + 1} checked")
print("every kind under perturbation:", ", ".join(sorted(m["kind"] for m in kinds["models"].values())))
if "perturbation" not in kinds["disclosure"] or "need not add up" not in kinds["models"]["tab"].get("note", ""):
    failures.append("results.json does not say that counts are perturbed and margins need not add up")

# ---- 3b. GWAS under perturbation: n and each variant's OBS_CT from the definition, A1_FREQ at 4
# decimals, the same files at 1 and 2 ranks. Genotypes for the same 600 pids, written here as a
# PLINK .bed (variant-major, 2 bits per call; code 1 is a missing call).
NV = 24
calls = [[rnd.choice([0, 0, 2, 3, 3, 3]) if rnd.random() > 0.04 * (v % 3) else 1 for _ in pids] for v in range(NV)]
with open("g.fam", "w") as f:
    f.writelines(f"{pid} {pid} 0 0 0 -9\n" for pid in pids)
with open("g.bim", "w") as f:
    f.writelines(f"1\tsnp{v}\t0\t{1000 * (v + 1)}\tA\tG\n" for v in range(NV))
with open("g.bed", "wb") as f:
    f.write(bytes([0x6C, 0x1B, 0x01]))
    for row in calls:
        packed = bytearray((len(pids) + 3) // 4)
        for i, c in enumerate(row):
            packed[i // 4] |= c << (2 * (i % 4))
        f.write(bytes(packed))
sh([kohort, "import", "--plink", "g", "--table", "g", "--store", "t.h5"])
with open("gwas.ini", "w") as f:
    f.write("[job]\nname = gwas_ck\nstore = t.h5\noutput = out_gwas\n"
            "[model.gb]\nkind = gwas\ntable = t\ngenotypes = g\nformula = status ~ age + factor(sex)\nfamily = binomial\n"
            "[model.gs]\nkind = gwas\ntable = t\ngenotypes = g\nformula = Surv(time, status) ~ age + factor(sex)\n")
gw = [run("gwas.ini", "site_ck.ini", np, f"out_gwas{np}") for np in (1, 2)]
for name in ("gb", "gs"):
    tsv = [open(f"out_gwas{np}/{name}.tsv").read() for np in (1, 2)]
    if tsv[0] != tsv[1] or gw[0]["models"][name]["n"] != gw[1]["models"][name]["n"]:
        failures.append(f"gwas {name}: the released file differs between 1 and 2 ranks")
n_key = sum(record_key(p) for p in pids) % 2 ** 64
want_n = perturbed(len(pids), n_key)
gwas_checked = 0
for name in ("gb", "gs"):
    if gw[0]["models"][name]["n"] != want_n:
        failures.append(f"gwas {name}: n {gw[0]['models'][name]['n']}, expected {want_n} from the definition")
    lines = open(f"out_gwas1/{name}.tsv").read().splitlines()
    head = lines[0].split("\t")
    for line in lines[1:]:
        row = dict(zip(head, line.split("\t")))
        v = int(row["ID"][3:])
        called = [i for i, c in enumerate(calls[v]) if c != 1]
        key = sum(record_key(pids[i]) for i in called) % 2 ** 64
        # A Surv test uses every sample (missing calls take the called mean): OBS_CT is n.
        want = want_n if name == "gs" else perturbed(len(called), key)
        if int(row["OBS_CT"]) != want:
            failures.append(f"gwas {name} {row['ID']}: OBS_CT {row['OBS_CT']}, expected {want} from the definition")
        if row["A1_FREQ"] != "NA" and len(row["A1_FREQ"].split(".")[-1]) > 4:
            failures.append(f"gwas {name} {row['ID']}: A1_FREQ {row['A1_FREQ']} has more than 4 decimals")
        gwas_checked += 1
    if gw[0]["models"][name].get("cox", {}).get("event_times") is not None:
        failures.append(f"gwas {name}: the number of distinct event times is released under perturbation")
if gwas_checked < NV:
    failures.append(f"gwas: only {gwas_checked} variant rows released; expected most of {2 * NV}")
print(f"gwas under perturbation: n and {gwas_checked} variant OBS_CT values recomputed from the definition, "
      "1 and 2 ranks identical")

# ---- 4. Error paths, then the grep.
with open("site_badtable.ini", "w") as f:
    f.write(f"[disclosure]\npolicy = sds\nperturbation = cell_key\nrecord_key_file = {os.path.abspath('platform.key')}\n"
            f"perturbation_table = {os.path.abspath('platform.key')}\n")
sh([kohort, "run", "kinds.ini", "--set", "job.output=out_err1"], "site_badtable.ini", expect=2)
shutil.copy("platform.key", "open.key")
os.chmod("open.key", 0o644)
with open("site_openkey.ini", "w") as f:
    f.write(f"[disclosure]\npolicy = sds\nperturbation = cell_key\nrecord_key_file = {os.path.abspath('open.key')}\n")
sh([kohort, "run", "kinds.ini", "--set", "job.output=out_err2"], "site_openkey.ini", expect=3)
sh([kohort, "run", "kinds.ini", "--set", "job.output=out_err3", "--set", "job.perturbation=none"], "site_ck.ini", expect=3)

# Synthetic pids, read back through a table by pid under `none` (public test data only).
with open("pids.ini", "w") as f:
    f.write("[job]\nname = pids\nstore = synth.h5\noutput = out_pids\n[model.p]\nkind = table\ntable = population\nby = pid\n")
synth_pids = [int(c["pid"]) for c in run("pids.ini", "site_none.ini", 1, "out_pids")["models"]["p"]["cells"]]
shutil.rmtree("out_pids")  # holds the pids on purpose; not a perturbed output


keys = [record_key(p) for p in pids + synth_pids]
needles = [secret_hex.lower(), secret_hex.upper()]
for k in keys:
    needles += [str(k), f"{k:016x}", f"{k:016X}"]
texts = list(messages)
raw = []
for root, _, files in os.walk(tmp):
    if "out_" not in root:
        continue
    for name in files:
        with open(os.path.join(root, name), "rb") as f:
            raw.append((os.path.join(root, name), f.read()))
with open(audit, "rb") as f:
    raw.append((audit, f.read()))
hits = 0
for path, data in raw:
    if secret in data:
        failures.append(f"{path}: holds the raw platform secret")
    text = data.decode("utf-8", errors="replace")
    for n in needles:
        if n in text:
            hits += 1
            failures.append(f"{path}: holds a secret or record key")
            break
for t in texts:
    for n in needles:
        if n in t:
            hits += 1
            failures.append("a message holds a secret or record key: " + t[max(0, t.find(n) - 200):t.find(n) + 80])
            break
print(f"grep: {len(raw)} files and {len(texts)} messages searched for the secret and {len(keys)} record keys "
      f"({len(needles)} strings): {hits} hits")
if len(synth_pids) != 3000:
    failures.append(f"read back {len(synth_pids)} synthetic pids; expected 3000")

if failures:
    print("FAIL:\n  " + "\n  ".join(failures[:50]))
    sys.exit(1)
print("PASS")
