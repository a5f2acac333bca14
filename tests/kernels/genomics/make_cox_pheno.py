#!/usr/bin/python3
"""A survival phenotype for the Cox GWAS test, next to make_gwas_data.py's data.

Usage: make_cox_pheno.py DIR SEED [--days]
Reads DIR/d.bed/.fam and DIR/pheno.csv (pid, ..., age, male, pc1, pc2); writes DIR/surv.csv with
pid, time, status, age, male, pc1, pc2. Times are whole months (many ties, so Efron's correction
matters); about half the samples have an event; the hazard rises with variant 10's A1 count and
with variant 20's; a few times are missing (those rows drop out of the analysis). With --days,
times are whole days instead (about as many distinct event times as events, as in registers).
"""
import csv
import os
import sys

import numpy as np

out, seed = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(seed + 1000)
fam = [line.split()[1] for line in open(os.path.join(out, "d.fam"))]
n = len(fam)
row = (n + 3) // 4
bed = np.fromfile(os.path.join(out, "d.bed"), dtype=np.uint8)[3:]


def dosage(v):
    b = bed[v * row:(v + 1) * row]
    codes = (np.repeat(b, 4)[:n] >> (2 * (np.arange(n) % 4))) & 3
    return np.array([2.0, np.nan, 1.0, 0.0])[codes]


pheno = {r["pid"]: r for r in csv.DictReader(open(os.path.join(out, "pheno.csv")))}
g10, g20 = np.nan_to_num(dosage(10), nan=1.0), np.nan_to_num(dosage(20), nan=1.0)
age = np.array([float(pheno[i]["age"]) for i in fam])
male = np.array([float(pheno[i]["male"]) for i in fam])
pc1 = np.array([float(pheno[i]["pc1"]) for i in fam])
hazard = 0.02 * np.exp(0.5 * g10 + 0.3 * g20 + 0.03 * (age - 55) + 0.4 * male + 0.2 * pc1)
event_time = rng.exponential(1 / hazard)
censor_time = rng.uniform(5, 60, size=n)
unit = 30.4375 if "--days" in sys.argv[3:] else 1.0
time = np.ceil(np.minimum(event_time, censor_time) * unit)
status = (event_time <= censor_time).astype(int)
missing = set(rng.choice(n, size=max(1, n // 100), replace=False).tolist())
with open(os.path.join(out, "surv.csv"), "w") as f:
    f.write("pid,time,status,age,male,pc1,pc2\n")
    for k, i in enumerate(fam):
        p = pheno[i]
        t = "NA" if k in missing else f"{time[k]:.0f}"
        f.write(f"{i},{t},{status[k]},{p['age']},{p['male']},{p['pc1']},{p['pc2']}\n")
