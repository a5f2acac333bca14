#!/usr/bin/python3
"""Test data for the GWAS conformance tests: genotypes from `plink2 --dummy`, with missing calls,
then made harder on purpose (rare variants with 1-3 carriers, a monomorphic variant), IIDs
replaced by pids (or made-up CPR numbers with --cpr), and a phenotype file with covariates.

Usage: make_gwas_data.py OUTDIR SAMPLES VARIANTS SEED [--cpr]
Writes OUTDIR/d.bed/.bim/.fam, OUTDIR/pheno.csv (pid or cpr, y, case, age, male, pc1, pc2; some y
missing), OUTDIR/pheno.txt and OUTDIR/covar.txt for plink2 (FID IID ...).
"""
import os
import subprocess
import sys

import numpy as np

out, n, m, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
use_cpr = "--cpr" in sys.argv[5:]
os.makedirs(out, exist_ok=True)
prefix = os.path.join(out, "d")
subprocess.run(["plink2", "--dummy", str(n), str(m), "0.0,0.01,0.05", "acgt", "scalar-pheno",
                "--seed", str(seed), "--make-bed", "--out", prefix],
               check=True, stdout=subprocess.DEVNULL)
rng = np.random.default_rng(seed)
row = (n + 3) // 4
raw = np.fromfile(prefix + ".bed", dtype=np.uint8)
assert raw[0] == 0x6C and raw[1] == 0x1B and raw[2] == 1
bed = raw[3:].reshape(m, row).copy()

def set_codes(v, codes):
    packed = np.zeros(row, dtype=np.uint8)
    for s in range(n):
        packed[s // 4] |= np.uint8(codes[s] << (2 * (s % 4)))
    bed[v] = packed

def codes_of(v):
    b = bed[v]
    return np.array([(b[s // 4] >> (2 * (s % 4))) & 3 for s in range(n)], dtype=np.uint8)

# Rare variants: 1, 2 or 3 carriers of one A1 copy (code 2) among hom-A2 samples (code 3), some missing.
for v, carriers in ((1, 1), (2, 2), (3, 3), (4, 1)):
    codes = np.full(n, 3, dtype=np.uint8)
    codes[rng.choice(n, size=carriers, replace=False)] = 2
    codes[rng.choice(n, size=3, replace=False)] = 1
    set_codes(v, codes)
# A monomorphic variant (every call hom A2): no test possible, NA in plink2 too.
set_codes(5, np.full(n, 3, dtype=np.uint8))
(np.concatenate([raw[:3], bed.ravel()])).tofile(prefix + ".bed")

# Person keys.
if use_cpr:
    ids = set()
    while len(ids) < n:
        d, mo, y, s = rng.integers(1, 29), rng.integers(1, 13), rng.integers(0, 100), rng.integers(0, 4000)
        ids.add(f"{d:02d}{mo:02d}{y:02d}{s:04d}")
    ids = sorted(ids)
    rng.shuffle(ids)
else:
    ids = [str(int(x)) for x in rng.choice(2**62, size=n, replace=False) * 2 + rng.integers(0, 2, size=n)]
with open(prefix + ".fam", "w") as f:
    for i in ids:
        f.write(f"{i} {i} 0 0 0 -9\n")

# Phenotypes: y depends on a common variant (index 10) and the covariates.
dosage = {0: 2.0, 1: np.nan, 2: 1.0, 3: 0.0}
g10 = np.array([dosage[c] for c in codes_of(10)])
age = np.round(rng.uniform(30, 80, size=n), 1)
male = rng.integers(0, 2, size=n)
pc1 = rng.normal(size=n)
pc2 = rng.normal(size=n)
y = 0.3 * np.nan_to_num(g10, nan=1.0) + 0.02 * age + 0.5 * male + pc1 - 0.5 * pc2 + rng.normal(size=n)
case = (rng.uniform(size=n) < 1 / (1 + np.exp(-(-1 + 0.4 * np.nan_to_num(g10, nan=1.0) + 0.5 * male)))).astype(int)
y_missing = rng.choice(n, size=max(1, n // 50), replace=False)
key = "cpr" if use_cpr else "pid"
with open(os.path.join(out, "pheno.csv"), "w") as f, open(os.path.join(out, "pheno.txt"), "w") as p, \
        open(os.path.join(out, "covar.txt"), "w") as c:
    f.write(f"{key},y,case,age,male,pc1,pc2\n")
    p.write("#FID IID y case\n")
    c.write("#FID IID age male pc1 pc2\n")
    for i in range(n):
        ys = "NA" if i in y_missing else f"{y[i]:.6f}"
        f.write(f"{ids[i]},{ys},{case[i]},{age[i]},{male[i]},{pc1[i]:.6f},{pc2[i]:.6f}\n")
        p.write(f"{ids[i]} {ids[i]} {ys} {case[i] + 1}\n")
        c.write(f"{ids[i]} {ids[i]} {age[i]} {male[i]} {pc1[i]:.6f} {pc2[i]:.6f}\n")
