#!/usr/bin/python3
"""Compares a kohort GWAS TSV with a reference, variant by variant; exits 1 listing mismatches.

Usage: compare_gwas.py OURS.tsv REFERENCE MODE
  MODE plink2:  REFERENCE is plink2's --glm report (cols=+a1freq). plink2 prints 6 significant
                digits, so a value matches when it rounds to plink2's printed value: |ours - ref| <=
                0.5 units in plink2's last printed digit (relative 5e-6 at most), plus 1e-12 of slack;
                P within 1.5 units (plink2's own tail-probability code differs from R's by a few
                1e-6 relative; the R comparison checks P to 1e-8).
                Every plink2 variant must be in OURS; NA must match NA; OBS_CT exactly.
                Logistic reports (a FIRTH? column): plink2 2.00a3 fits in single precision and
                stops at its convergence thresholds (logistic: summed |step| < 1e-4; Firth: largest
                step and score <= 1e-4, as logistf), so OR, LOG(OR)_SE, Z_STAT and P match within
                TOL = 1e-4 (FIRTH? N) or 1e-3 (FIRTH? Y): |ln OR - ln OR_ref| <= TOL, SE relative
                TOL, |Z - Z_ref| <= TOL max(1, |Z_ref|), P relative TOL max(1, Z_ref^2) (d ln P / dZ
                is about Z). FIRTH? must match exactly.
  MODE exact:   REFERENCE is another kohort TSV (or R's full-precision reference with the same
                columns); values agree to 1e-10 relative (--rel overrides).
Columns compared: every numeric column the two files share (A1_FREQ, OBS_CT, BETA/OR, SE,
T_STAT/Z_STAT, P, ...).
"""
import math
import sys


def read(path):
    rows = {}
    with open(path) as f:
        header = f.readline().rstrip("\n").split("\t")
        for line in f:
            v = line.rstrip("\n").split("\t")
            rows[v[header.index("ID")]] = dict(zip(header, v))
    return header, rows


def printed_tolerance(text):
    """Half a unit in the last printed significant digit of plink2's %g-style output."""
    mant = text.lower().split("e")[0].lstrip("-")
    exp = int(text.lower().split("e")[1]) if "e" in text.lower() else 0
    decimals = len(mant.split(".")[1]) if "." in mant else 0
    return 0.5 * 10 ** (exp - decimals)


def logistic_ok(col, x, y, ref_row):
    tol = 1e-3 if ref_row.get("FIRTH?") == "Y" else 1e-4
    z = abs(float(ref_row["Z_STAT"])) if ref_row.get("Z_STAT", "NA") != "NA" else 0.0
    if col == "OR":
        return x > 0 and y > 0 and abs(math.log(x) - math.log(y)) <= tol
    if col == "Z_STAT":
        return abs(x - y) <= tol * max(1.0, abs(y))
    if col == "P":
        return abs(x - y) <= tol * max(1.0, z * z) * abs(y)
    return abs(x - y) <= tol * abs(y)


def main():
    ours_path, ref_path, mode = sys.argv[1], sys.argv[2], sys.argv[3]
    rel = float(sys.argv[sys.argv.index("--rel") + 1]) if "--rel" in sys.argv else 1e-10
    oh, ours = read(ours_path)
    rh, ref = read(ref_path)
    skip = {"#CHROM", "POS", "ID", "REF", "ALT", "A1", "TEST", "ERRCODE", "FIRTH?"}
    cols = [c for c in rh if c in oh and c not in skip]
    bad, checked = [], 0
    for vid, r in ref.items():
        if vid not in ours:
            bad.append(f"{vid}: missing from {ours_path}")
            continue
        o = ours[vid]
        for c in ["A1", "FIRTH?"]:
            if c in r and c in o and r[c] != o[c]:
                bad.append(f"{vid} {c}: ours {o[c]} reference {r[c]}")
        for c in cols:
            a, b = o[c], r[c]
            checked += 1
            if a == "NA" or b == "NA":
                if a != b:
                    bad.append(f"{vid} {c}: ours {a} reference {b}")
                continue
            x, y = float(a), float(b)
            if c == "OBS_CT":
                ok = x == y
            elif mode == "plink2" and "FIRTH?" in rh and c in ("OR", "LOG(OR)_SE", "Z_STAT", "P"):
                ok = abs(x - y) <= printed_tolerance(b) + 1e-12 * abs(y) or logistic_ok(c, x, y, r)
            elif mode == "plink2" and c == "P":
                # plink2's P comes from its own t / normal tail code, which differs from R's (and
                # ours) by up to a few 1e-6 relative: one more unit in its last printed digit.
                ok = abs(x - y) <= 3 * printed_tolerance(b) + 1e-12 * abs(y)
            elif mode == "plink2":
                ok = abs(x - y) <= printed_tolerance(b) + 1e-12 * abs(y)
            else:
                ok = abs(x - y) <= rel * max(abs(x), abs(y)) or (x == y)
            if not ok:
                bad.append(f"{vid} {c}: ours {a} reference {b}")
    if mode != "plink2" and len(ours) != len(ref):
        bad.append(f"{len(ours)} variants in {ours_path} but {len(ref)} in {ref_path}")
    print(f"compared {len(ref)} variants, {checked} values ({', '.join(cols)}) in {mode} mode: "
          f"{len(bad)} mismatches")
    for b in bad[:40]:
        print("  " + b)
    sys.exit(1 if bad or not ref else 0)


main()
