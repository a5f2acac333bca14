#!/usr/bin/env bash
# Files as R writes them (write.csv, write.csv2 with Danish ';' and ',' decimals, tab-separated
# write.table) import with the right types and values. R writes the files and the expected values;
# h5py (Debian's /usr/bin/python3) reads the store back.
source "$(dirname "$0")/common.sh"
command -v Rscript >/dev/null || fail "Rscript is needed"
PY=/usr/bin/python3
"$PY" -c 'import h5py' 2>/dev/null || fail "/usr/bin/python3 with h5py is needed (scripts/install-deps.sh)"

Rscript --vanilla - <<'R' || fail "R could not write the test files"
set.seed(20240601)
n <- 40
d <- data.frame(id = 1:n,
                w = round(rnorm(n) * 100, 4),
                flag = sample(c(TRUE, FALSE, NA), n, TRUE),
                when = as.Date("1995-01-01") + sample(0:9000, n),
                grp = sample(c("a b", "c,d", "e\"f", "g;h", NA), n, TRUE),
                code = sprintf("%04d", sample(1:999, n)),
                stringsAsFactors = FALSE)
d$w[3] <- NA
d$when[5] <- NA
write.csv(d, "r_comma.csv", row.names = FALSE)
write.csv2(d, "r_danish.csv", row.names = FALSE)
write.table(d, "r_tab.tsv", sep = "\t", row.names = FALSE, qmethod = "double")  # RFC 4180 quotes
# Expected values in a plain form: doubles with 17 digits, dates as days since 1970-01-01.
e <- data.frame(id = d$id,
                w = ifelse(is.na(d$w), "NA", sprintf("%.17g", d$w)),
                flag = ifelse(is.na(d$flag), "NA", as.integer(d$flag)),
                when = ifelse(is.na(d$when), "NA", as.integer(d$when)),
                grp = ifelse(is.na(d$grp), "NA", d$grp),
                code = d$code)
write.table(e, "expected.tsv", sep = "\t", quote = FALSE, row.names = FALSE)
R

for t in r_comma:r_comma.csv:. r_danish:r_danish.csv:, r_tab:r_tab.tsv:.; do
    IFS=: read -r table file decimal <<<"$t"
    run_kohort import --csv "$T/$file" --table "$table" --store "$T/store.h5" --decimal "$decimal"
    [ "$RC" -eq 0 ] || fail "import of R's $file failed (exit $RC)"
done
grep -q "delimiter ';', decimal ','" "$T/out.txt" || true

"$PY" - "$T/store.h5" "$T/expected.tsv" <<'PY' || fail "store contents differ from what R wrote"
import csv, math, sys
import h5py, numpy as np
store, expected = sys.argv[1], sys.argv[2]
with open(expected, newline="", encoding="utf-8") as f:
    rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
ok = True
def check(cond, what):
    global ok
    if not cond:
        print("MISMATCH:", what); ok = False
with h5py.File(store, "r") as h:
    for table in ("r_comma", "r_danish", "r_tab"):
        g = h["tables"][table]
        types = {c: g[c].attrs["kohort_type"] for c in ("id", "w", "flag", "when", "grp", "code")}
        types = {k: (v.decode() if isinstance(v, bytes) else str(v)) for k, v in types.items()}
        check(types == {"id": "int64", "w": "double", "flag": "bool", "when": "date",
                        "grp": "categorical", "code": "categorical"}, f"{table} types {types}")
        ids, w, flag, when = g["id"][...], g["w"][...], g["flag"][...], g["when"][...]
        def labels(col):
            d = [x.decode() if isinstance(x, bytes) else str(x) for x in g["_dictionaries"][col][...]]
            check(d == sorted(d, key=lambda s: s.encode()), f"{table}.{col} dictionary not sorted")
            return [None if c < 0 else d[c] for c in g[col][...]]
        grp, code = labels("grp"), labels("code")
        check(len(ids) == len(rows), f"{table} row count {len(ids)}")
        for i, r in enumerate(rows):
            check(ids[i] == int(r["id"]), f"{table} id row {i}")
            if r["w"] == "NA": check(math.isnan(w[i]), f"{table} w missing row {i}")
            else: check(abs(w[i] - float(r["w"])) <= 1e-12 * max(1, abs(w[i])), f"{table} w row {i}")
            check(flag[i] == (-1 if r["flag"] == "NA" else int(r["flag"])), f"{table} flag row {i}")
            check(when[i] == (np.iinfo(np.int32).min if r["when"] == "NA" else int(r["when"])), f"{table} when row {i}")
            check(grp[i] == (None if r["grp"] == "NA" else r["grp"]), f"{table} grp row {i}")
            check(code[i] == r["code"], f"{table} code row {i} (leading zeros)")
sys.exit(0 if ok else 1)
PY
echo "PASS: R's write.csv, write.csv2 and write.table files import with the right types and values"
