#!/usr/bin/env bash
# Cohort-building benchmark (issue 5, item 5; results in docs/benchmarks-cohort.md).
#
# Builds the demo study's cohort (jobs/demo_statin_mi.ini: statin at index, diabetes, prior MI,
# MI after index with death competing) from a synthetic population of PERSONS on RANKS ranks and
# reports register rows scanned and linked per second, and peak memory per rank against that
# rank's share of the raw columns the cohort reads. Then runs the same cohort query in DuckDB
# (npm package `duckdb`, installed here) on the same data exported to CSV, in the same run.
#
#   bench/bench_cohort.sh [PERSONS=1000000] [RANKS=2]
# Env: KOHORT (binary; default build/bin/kohort), BENCH_DIR (scratch; default /tmp/kohort-bench-cohort),
#      SKIP_DUCKDB=1 to skip the comparison.
set -euo pipefail
PERSONS=${1:-1000000}
RANKS=${2:-2}
HERE=$(cd "$(dirname "$0")/.." && pwd)
KOHORT=${KOHORT:-$HERE/build/bin/kohort}
DIR=${BENCH_DIR:-/tmp/kohort-bench-cohort}
MPI="mpirun --oversubscribe --allow-run-as-root -np $RANKS"
mkdir -p "$DIR"; cd "$DIR"
export KOHORT_SITE_CONFIG=${KOHORT_SITE_CONFIG:-$DIR/site.ini} KOHORT_AUDIT_LOG=$DIR/audit.log
[[ -f $KOHORT_SITE_CONFIG ]] || printf '[disclosure]\npolicy = none\n' > "$KOHORT_SITE_CONFIG"

echo "== synth: $PERSONS persons on $RANKS ranks"
[[ -f cohort.h5 && $(cat cohort.persons 2>/dev/null) == "$PERSONS" ]] || {
    $MPI "$KOHORT" synth --persons "$PERSONS" --seed 1 --out cohort.h5 2>&1 | tail -2
    echo "$PERSONS" > cohort.persons; }

# The demo's variables and cohort, without models: the cohort build alone is timed.
sed -n '/^\[job\]/,/^; ---- Person-years/p' "$HERE/jobs/demo_statin_mi.ini" | grep -v '^; ---- Person-years' > cohort.ini
cat >> cohort.ini <<'INI'
[model.n]
kind    = summary
table   = study
columns = time
INI

echo "== kohort: cohort build on $RANKS ranks"
/usr/bin/time -f "%e s wall, %M KiB max RSS (one rank)" $MPI "$KOHORT" run cohort.ini --set job.store="$DIR/cohort.h5" \
    --set job.output="$DIR/out" 2> kohort.log || { tail -20 kohort.log; exit 1; }
grep -E "scanned|cohort 'study'|peak memory" kohort.log | sed 's/^kohort: //'
/usr/bin/python3 - "$DIR/out/results.json" "$DIR/cohort.h5" "$RANKS" <<'PY'
import json, sys, h5py
r = json.load(open(sys.argv[1])); ranks = int(sys.argv[3])
s = r["derived_tables"]["study"]
f = h5py.File(sys.argv[2], "r")
need = {"population": ["pid", "birth_date", "death_date", "emigration_date", "sex"],
        "diagnoses": ["pid", "date", "icd10"], "prescriptions": ["pid", "date", "atc"]}
raw = sum(f["tables"][t][c].size * f["tables"][t][c].dtype.itemsize for t, cs in need.items() for c in cs)
rows = s["register_rows_scanned"]; secs = s["seconds"]
peak = r["job"]["peak_rss_mib_max_rank"]
share = raw / ranks / 2**20
print(f"register rows scanned and linked: {rows} in {secs:.2f} s = {rows/secs/1e6:.1f} M rows/s on {ranks} ranks (one node)")
print(f"peak memory, largest rank: {peak:.0f} MiB; its share of the raw columns read: {share:.0f} MiB; ratio {peak/share:.2f}")
print(f"cohort: {s['persons']} persons, {s['events']} MI, {s['competing_events']} deaths before MI")
json.dump({"rows": rows, "seconds": secs, "peak_mib": peak, "share_mib": share, "persons": s["persons"],
           "events": s["events"], "competing": s["competing_events"]}, open("kohort_summary.json", "w"))
PY

[[ ${SKIP_DUCKDB:-0} == 1 ]] && exit 0
echo "== DuckDB: the same cohort query on CSV exports"
if [[ ! -d node_modules/duckdb ]]; then npm install --silent --no-audit --no-fund duckdb@1 >/dev/null 2>&1 || npm install duckdb; fi
[[ -f diagnoses.csv && $(cat csv.persons 2>/dev/null) == "$PERSONS" ]] || {
/usr/bin/python3 - cohort.h5 <<'PY'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
def dictionary(t, c):
    return [x.decode() if isinstance(x, bytes) else x for x in f["tables"][t]["_dictionaries"][c][:]]
def export(t, cols, cats):
    g = f["tables"][t]
    data = {c: g[c][:] for c in cols}
    for c in cats:
        d = np.array(dictionary(t, c) + [""], dtype=object); data[c] = d[data[c]]
    with open(t + ".csv", "w") as o:
        o.write(",".join(cols) + "\n")
        n = len(data[cols[0]]); step = 1 << 20
        for s in range(0, n, step):
            parts = [np.asarray(data[c][s:s+step]).astype(str) for c in cols]
            o.write("\n".join(",".join(r) for r in zip(*parts)) + "\n")
export("population", ["pid", "birth_date", "death_date", "emigration_date", "sex"], ["sex"])
export("diagnoses", ["pid", "date", "icd10"], ["icd10"])
export("prescriptions", ["pid", "date", "atc"], ["atc"])
PY
echo "$PERSONS" > csv.persons; }
cat > duck.js <<'JS'
// The demo cohort in SQL: dates are days since 1970-01-01 (missing: the int32 minimum, -2147483648).
const duckdb = require('duckdb');
const db = new duckdb.Database(':memory:');
const M = -2147483648, IDX = 14610, END = 18627;
const sql = `
WITH pop AS (SELECT * FROM read_csv('population.csv', header=true)),
dx AS (SELECT * FROM read_csv('diagnoses.csv', header=true)),
rx AS (SELECT * FROM read_csv('prescriptions.csv', header=true)),
elig AS (SELECT pid, (${IDX} - birth_date) / 365.25 AS age, sex,
                CASE WHEN death_date = ${M} THEN NULL ELSE death_date END AS death,
                CASE WHEN emigration_date = ${M} THEN NULL ELSE emigration_date END AS emig
         FROM pop WHERE birth_date <= ${IDX} AND (death_date = ${M} OR death_date > ${IDX})
           AND (emigration_date = ${M} OR emigration_date > ${IDX})
           AND (${IDX} - birth_date) / 365.25 >= 30 AND (${IDX} - birth_date) / 365.25 < 90),
d AS (SELECT pid,
             max(CASE WHEN icd10 LIKE 'I21%' AND date <= ${IDX} THEN 1 ELSE 0 END) AS prior_mi,
             max(CASE WHEN regexp_matches(icd10, '^E1[0-4]') AND date <= ${IDX} - 1 THEN 1 ELSE 0 END) AS diabetes,
             min(CASE WHEN icd10 LIKE 'I21%' AND date >= ${IDX} + 1 THEN date END) AS mi
      FROM dx GROUP BY pid),
r AS (SELECT DISTINCT pid, 1 AS statin FROM rx WHERE atc LIKE 'C10AA%' AND date BETWEEN ${IDX} - 365 AND ${IDX} - 1),
c AS (SELECT e.pid, e.age, e.sex, coalesce(r.statin, 0) AS statin, coalesce(d.diabetes, 0) AS diabetes,
             least(${END}, coalesce(e.emig, ${END})) AS censor, e.death, d.mi
      FROM elig e LEFT JOIN d USING (pid) LEFT JOIN r USING (pid) WHERE coalesce(d.prior_mi, 0) = 0),
f AS (SELECT *, CASE WHEN mi IS NOT NULL AND mi <= censor AND (death IS NULL OR mi <= death) THEN 1
                     WHEN death IS NOT NULL AND death <= censor THEN 2 ELSE 0 END AS status FROM c)
SELECT count(*) AS persons, sum(CASE WHEN status = 1 THEN 1 ELSE 0 END) AS events,
       sum(CASE WHEN status = 2 THEN 1 ELSE 0 END) AS competing FROM f`;
const t0 = Date.now();
db.all("SET threads TO " + (process.env.DUCK_THREADS || 2), () => db.all(sql, (err, rows) => {
  if (err) { console.error(err); process.exit(1); }
  const s = (Date.now() - t0) / 1000;
  const r = rows[0];
  console.log(JSON.stringify({persons: Number(r.persons), events: Number(r.events), competing: Number(r.competing), seconds: s}));
}));
JS
/usr/bin/time -f "%e s wall, %M KiB max RSS" node duck.js > duck.json 2> duck.time || { cat duck.time; exit 1; }
cat duck.json; cat duck.time
/usr/bin/python3 - <<'PY'
import json
k = json.load(open("kohort_summary.json")); d = json.load(open("duck.json"))
same = (k["persons"], k["events"], k["competing"]) == (d["persons"], d["events"], d["competing"])
print(f"kohort {k['seconds']:.2f} s vs DuckDB {d['seconds']:.2f} s (CSV scan + query, 2 threads); same cohort counts: {same}")
PY
