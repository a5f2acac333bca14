#!/usr/bin/python3
"""Reads a genotype table with h5py, block by block as a user would (docs/format.md), and compares
every call with plink2's `--export A` (A1 counts, NA for missing).
Usage: check_store_block.py STORE TABLE PLINK.raw"""
import sys

import h5py
import numpy as np

store, table, raw_path = sys.argv[1:4]
with h5py.File(store, "r") as f:
    g = f["tables"][table]
    assert g.attrs["kohort_table_kind"] == "genotypes"
    pids = g["pid"][:]
    calls = g["calls"]
    n, m = len(pids), int(g.attrs["num_variants"])
    block = int(g.attrs["block_variants"])
    assert calls.shape == (m, (n + 3) // 4), calls.shape
    ids = [x.decode() for x in g["variants/id"][:]]
    a1 = [x.decode() for x in g["variants/a1"][:]]
    dosage = np.array([2, -1, 1, 0])  # .bed codes -> A1 counts, -1 missing
    ours = np.empty((m, n), dtype=int)
    for v0 in range(0, m, block):  # one read per block
        b = calls[v0:v0 + block, :]
        codes = np.stack([(b >> (2 * k)) & 3 for k in range(4)], axis=2).reshape(b.shape[0], -1)[:, :n]
        ours[v0:v0 + b.shape[0]] = dosage[codes]

with open(raw_path) as f:
    header = f.readline().split()
    rows = [line.split() for line in f]
cols = header[6:]
assert [c.rsplit("_", 1)[0] for c in cols] == ids, "variant order differs"
# plink2 names each column ID_ALLELE after the allele it counts; compare A1 counts.
flip = np.array([c.rsplit("_", 1)[1] != a for c, a in zip(cols, a1)])
col_of = {int(r[1]): r for r in rows}
bad = 0
for j, pid in enumerate(pids):
    r = col_of[int(pid)][6:]
    theirs = np.array([-1 if x == "NA" else int(x) for x in r])
    theirs = np.where((theirs >= 0) & flip, 2 - theirs, theirs)
    bad += int((theirs != ours[:, j]).sum())
print(f"{n} samples x {m} variants compared with plink2 --export A: {bad} differences")
sys.exit(1 if bad else 0)
