#!/usr/bin/env python3
"""Makes a cell key perturbation table for kohort (docs/governance.md, "Across jobs").

Usage: scripts/perturbation_table.py --max-noise D --variance V [--out FILE]

For each count class c = 1 .. D+1 (class D+1 stands for every count >= D+1) the noise v is drawn
from the maximum entropy distribution on the integers max(-c, -D) .. D with mean 0 and variance V:
p(v) proportional to exp(a*v + b*v^2), the construction of the sdcTools `ptable` package behind the
R package `cellKey` (Giessing 2016; Enderle, Giessing, Tent 2018, "Designing confidentiality on the
fly methodology", PSD). A count of 0 is never perturbed. The parameters a, b are found by Newton's
method on the convex dual log Z(a, b) - b*V (gradient: E[v], E[v^2] - V; Hessian: their covariances).

The file also states the bound on exact recovery of a difference between two released counts:
max over count classes c1, c2 and shifts m of P(n1 - n2 = m), n1 ~ p_c1, n2 ~ p_c2 independent (the
cell keys of two different person sets are independent and uniform). An attacker who guesses a
difference d from released c1' - c2' with any fixed correction m is exact with at most that probability.
Pure Python, no packages: a site can run it anywhere.
"""
import argparse
import math
import sys


def maxent(support, variance):
    """p over `support` with mean 0, E[v^2] = variance, maximum entropy."""
    a = b = 0.0
    for _ in range(200):
        w = [a * v + b * v * v for v in support]
        top = max(w)
        e = [math.exp(x - top) for x in w]
        z = sum(e)
        p = [x / z for x in e]
        m1 = sum(pi * v for pi, v in zip(p, support))
        m2 = sum(pi * v * v for pi, v in zip(p, support))
        m3 = sum(pi * v ** 3 for pi, v in zip(p, support))
        m4 = sum(pi * v ** 4 for pi, v in zip(p, support))
        g = (m1, m2 - variance)
        if abs(g[0]) < 1e-14 and abs(g[1]) < 1e-13:
            return p
        h11, h12, h22 = m2 - m1 * m1, m3 - m1 * m2, m4 - m2 * m2
        det = h11 * h22 - h12 * h12
        da = (h22 * g[0] - h12 * g[1]) / det
        db = (h11 * g[1] - h12 * g[0]) / det
        step = 1.0
        for _ in range(60):  # damped: keep the exponents finite
            if abs(step * da) < 20 and abs(step * db) < 20:
                break
            step /= 2
        a, b = a - step * da, b - step * db
    sys.exit(f"no maximum entropy distribution on {support} with mean 0 and variance {variance}; "
             "lower the variance or raise the largest noise")


def table(max_noise, variance):
    rows = {}
    for c in range(1, max_noise + 2):
        support = list(range(max(-c, -max_noise), max_noise + 1))
        rows[c] = dict(zip(support, maxent(support, variance)))
    return rows


def recovery_bound(rows):
    best = 0.0
    for p1 in rows.values():
        for p2 in rows.values():
            diffs = {}
            for v1, q1 in p1.items():
                for v2, q2 in p2.items():
                    diffs[v1 - v2] = diffs.get(v1 - v2, 0.0) + q1 * q2
            best = max(best, max(diffs.values()))
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--max-noise", type=int, required=True, help="D, the largest |noise|")
    ap.add_argument("--variance", type=float, required=True, help="V, the noise variance")
    ap.add_argument("--out", default="-", help="the table file (default: standard output)")
    o = ap.parse_args()
    if o.max_noise < 1 or not (0 < o.variance < o.max_noise ** 2):
        sys.exit("expected --max-noise >= 1 and 0 < --variance < max-noise^2")
    rows = table(o.max_noise, o.variance)
    bound = recovery_bound(rows)
    lines = ["# kohort cell key perturbation table (scripts/perturbation_table.py)",
             f"# max_noise\t{o.max_noise}",
             f"# variance\t{o.variance:g}",
             "# zeros\tunperturbed",
             "# below_min\twithheld",
             f"# exact_recovery_bound\t{bound:.6f}",
             "count\tnoise\tprobability"]
    for c, p in rows.items():
        for v, q in p.items():
            lines.append(f"{c}\t{v}\t{q:.17g}")
    text = "\n".join(lines) + "\n"
    if o.out == "-":
        sys.stdout.write(text)
    else:
        with open(o.out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
