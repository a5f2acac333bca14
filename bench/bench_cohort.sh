#!/usr/bin/env bash
# Cohort-building benchmark (issue 5, item 5; results in docs/benchmarks-cohort.md).
#
# Builds the demo study's cohort (jobs/demo_statin_mi.ini: statin at index, diabetes, prior MI,
# MI after index with death competing) from a synthetic population of PERSONS on RANKS ranks and
# reports register rows scanned and linked per second, and peak memory per rank against that
# rank's share of the raw columns the cohort reads. In the same run it builds the same cohort with
# one SQL query in DuckDB (npm package @duckdb/node-api, installed here if missing) on the same data
# exported to CSV and converted to Parquet, and checks that both give the same cohort: persons,
# MI, deaths before MI, person-years, and the counts by status x statin x diabetes.
#
#   bench/bench_cohort.sh [PERSONS=1000000] [RANKS=2]
# Env: KOHORT (binary; default build/bin/kohort), BENCH_DIR (scratch; default
#      /tmp/kohort-bench-cohort-PERSONS), REPEATS (kohort and DuckDB Parquet runs, default 3; the
#      best and the median are reported), SKIP_DUCKDB=1 to skip the comparison, DUCKDB_DIR (where
#      the npm package lives; default BENCH_DIR/duckdb), DUCKDB_PACKAGE (default
#      @duckdb/node-api@1.5.6-r.1, the version measured), DUCK_THREADS (default RANKS: the same
#      cores as kohort).
# Needs: mpirun, /usr/bin/python3 with h5py, h5pcc (parallel HDF5's compiler wrapper), node + npm.
set -euo pipefail
PERSONS=${1:-1000000}
RANKS=${2:-2}
HERE=$(cd "$(dirname "$0")/.." && pwd)
KOHORT=${KOHORT:-$HERE/build/bin/kohort}
KOHORT=$(realpath "$KOHORT")
DIR=${BENCH_DIR:-/tmp/kohort-bench-cohort-$PERSONS}
REPEATS=${REPEATS:-3}
DUCKDB_DIR=${DUCKDB_DIR:-$DIR/duckdb}
DUCKDB_PACKAGE=${DUCKDB_PACKAGE:-@duckdb/node-api@1.5.6-r.1}
DUCK_THREADS=${DUCK_THREADS:-$RANKS}
# Without this, every mpirun waits ~2.4 s for PMIx to give up on an absent munge daemon.
export PMIX_MCA_psec=${PMIX_MCA_psec:-native}
# Transparent huge pages for malloc's large blocks (page faults are expensive on VMs); the kohort
# binary sets this itself when it starts, passing it here keeps older binaries comparable.
export GLIBC_TUNABLES=${GLIBC_TUNABLES:-glibc.malloc.hugetlb=1}
MPI="mpirun --oversubscribe --allow-run-as-root -x GLIBC_TUNABLES -np $RANKS"
mkdir -p "$DIR"; cd "$DIR"
export KOHORT_SITE_CONFIG=${KOHORT_SITE_CONFIG:-$DIR/site.ini} KOHORT_AUDIT_LOG=$DIR/audit.log
[[ -f $KOHORT_SITE_CONFIG ]] || printf '[disclosure]\npolicy = none\n' > "$KOHORT_SITE_CONFIG"
echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, load average $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== synth: $PERSONS persons on $RANKS ranks"
[[ -f cohort.h5 && $(cat cohort.persons 2>/dev/null) == "$PERSONS" ]] || {
    rm -f cohort.persons csv.persons parquet.persons
    $MPI "$KOHORT" synth --persons "$PERSONS" --seed 1 --out cohort.h5 2>&1 | tail -2
    echo "$PERSONS" > cohort.persons; }

# The demo's variables and cohort, without models: the cohort build alone is timed. One cheap
# model (counts by status, statin and diabetes) gives DuckDB something finer than totals to match.
sed -n '/^\[job\]/,/^; ---- Person-years/p' "$HERE/jobs/demo_statin_mi.ini" | grep -v '^; ---- Person-years' > cohort.ini
cat >> cohort.ini <<'INI'
[model.counts]
kind  = table
table = study
by    = status, statin, diabetes
INI

echo "== kohort: cohort build on $RANKS ranks, $REPEATS runs"
for i in $(seq 1 "$REPEATS"); do
    /usr/bin/time -f "%e" -o "kohort_wall.$i" $MPI "$KOHORT" run cohort.ini --set job.store="$DIR/cohort.h5" \
        --set job.output="$DIR/out.$i" > /dev/null 2> "kohort.$i.log" || { tail -20 "kohort.$i.log"; exit 1; }
    grep -E "scanned|cohort 'study'" "kohort.$i.log" | sed 's/^kohort: //'
done
/usr/bin/python3 - "$DIR" "$RANKS" "$REPEATS" <<'PY'
import json, sys, statistics, h5py
d, ranks, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
runs = []
for i in range(1, repeats + 1):
    r = json.load(open(f"{d}/out.{i}/results.json"))
    s = r["derived_tables"]["study"]
    runs.append({"seconds": s["seconds"], "rows": s["register_rows_scanned"], "peak_mib": r["job"]["peak_rss_mib_max_rank"],
                 "wall": float(open(f"{d}/kohort_wall.{i}").read()), "report": s, "counts": r["models"]["counts"]})
f = h5py.File(f"{d}/cohort.h5", "r")
need = {"population": ["pid", "birth_date", "death_date", "emigration_date", "sex"],
        "diagnoses": ["pid", "date", "icd10"], "prescriptions": ["pid", "date", "atc"]}
raw = sum(f["tables"][t][c].size * f["tables"][t][c].dtype.itemsize for t, cs in need.items() for c in cs)
sizes = {t: int(f["tables"][t]["pid"].size) for t in need}
rows = runs[0]["rows"]
secs = sorted(x["seconds"] for x in runs)
best, median = secs[0], statistics.median(secs)
peak = max(x["peak_mib"] for x in runs)
share = raw / ranks / 2**20
s = runs[0]["report"]
print(f"data: {sizes['population']} persons, {sizes['diagnoses']} diagnoses, {sizes['prescriptions']} prescriptions; "
      f"raw columns read {raw / 2**30:.2f} GiB")
print(f"register rows scanned and linked: {rows} in {best:.3f} s best, {median:.3f} s median of {len(secs)} "
      f"= {rows / best / 1e6:.1f} M rows/s best, {rows / median / 1e6:.1f} M rows/s median on {ranks} ranks (one node)")
print(f"kohort wall (mpirun start to exit): {min(x['wall'] for x in runs):.2f} s best")
print(f"peak memory, largest rank: {peak:.0f} MiB; its share of the raw columns read: {share:.0f} MiB; ratio {peak / share:.2f}")
print(f"cohort: {s['persons']} persons, {s['events']} MI, {s['competing_events']} deaths before MI, {s['person_time']} person-years")
cells = {(int(c["status"]), int(c["statin"]), int(c["diabetes"])): c["count"] for c in runs[0]["counts"]["cells"]} \
    if "cells" in runs[0]["counts"] else {}
json.dump({"rows": rows, "seconds_best": best, "seconds_median": median, "wall_best": min(x["wall"] for x in runs),
           "peak_mib": peak, "share_mib": share, "sizes": sizes, "persons": s["persons"], "events": s["events"],
           "competing": s["competing_events"], "person_years": s["person_time"],
           "cells": [[list(k), v] for k, v in sorted(cells.items())]}, open(f"{d}/kohort_summary.json", "w"))
PY

[[ ${SKIP_DUCKDB:-0} == 1 ]] && exit 0
echo "== DuckDB ($DUCKDB_PACKAGE, $DUCK_THREADS threads): the same cohort on CSV and Parquet exports"
if [[ ! -d $DUCKDB_DIR/node_modules/@duckdb/node-api ]]; then
    # The platform binary ships as the npm package @duckdb/node-bindings-linux-x64: no download
    # from GitHub at install time (the old `duckdb` package's node-pre-gyp step needs one).
    mkdir -p "$DUCKDB_DIR"
    (cd "$DUCKDB_DIR" && npm install --no-audit --no-fund --loglevel=error "$DUCKDB_PACKAGE")
fi
[[ -x cohort_csv_export && cohort_csv_export -nt "$HERE/bench/cohort_csv_export.c" ]] ||
    { h5pcc -O2 -o cohort_csv_export "$HERE/bench/cohort_csv_export.c" && rm -f cohort_csv_export.o; }
if [[ $(cat csv.persons 2>/dev/null) != "$PERSONS" ]]; then
    t0=$(date +%s.%N)
    ./cohort_csv_export cohort.h5 population population.csv pid birth_date death_date emigration_date sex
    ./cohort_csv_export cohort.h5 diagnoses diagnoses.csv pid date icd10
    ./cohort_csv_export cohort.h5 prescriptions prescriptions.csv pid date atc
    echo "$PERSONS" > csv.persons; rm -f parquet.persons
    printf 'exported CSV in %.1f s: %s\n' "$(echo "$(date +%s.%N) - $t0" | bc)" "$(du -ch ./*.csv | tail -1 | cut -f1)"
fi

cat > duck.js <<'JS'
// The demo cohort in one SQL query. Dates are day numbers since 1970-01-01; empty fields are NULL.
// Usage: node duck.js parquet|csv|convert THREADS
const { DuckDBInstance } = require(process.env.DUCKDB_DIR + '/node_modules/@duckdb/node-api');
const [mode, threads] = process.argv.slice(2);
const IDX = 14610, END = 18627;  // 2010-01-01 and 2020-12-31
const csv = {
  population: `read_csv('population.csv', header = true, columns = {'pid': 'BIGINT', 'birth_date': 'INTEGER',
               'death_date': 'INTEGER', 'emigration_date': 'INTEGER', 'sex': 'VARCHAR'})`,
  diagnoses: `read_csv('diagnoses.csv', header = true, columns = {'pid': 'BIGINT', 'date': 'INTEGER', 'icd10': 'VARCHAR'})`,
  prescriptions: `read_csv('prescriptions.csv', header = true, columns = {'pid': 'BIGINT', 'date': 'INTEGER', 'atc': 'VARCHAR'})`,
};
const src = (t) => mode === 'csv' ? csv[t] : `read_parquet('${t}.parquet')`;
const cohort = `
WITH elig AS (
  SELECT pid, birth_date, death_date AS death, emigration_date AS emig FROM ${src('population')}
  WHERE birth_date <= ${IDX} AND (death_date IS NULL OR death_date > ${IDX})
    AND (emigration_date IS NULL OR emigration_date > ${IDX})
    AND (${IDX} - birth_date) / 365.25 >= 30 AND (${IDX} - birth_date) / 365.25 < 90),
d AS (
  SELECT pid,
         bool_or(icd10 LIKE 'I21%' AND date <= ${IDX}) AS prior_mi,
         bool_or(regexp_matches(icd10, '^E1[0-4]') AND date <= ${IDX} - 1) AS diabetes,
         min(CASE WHEN icd10 LIKE 'I21%' AND date >= ${IDX} + 1 THEN date END) AS mi
  FROM ${src('diagnoses')} WHERE icd10 LIKE 'I21%' OR regexp_matches(icd10, '^E1[0-4]') GROUP BY pid),
r AS (
  SELECT DISTINCT pid FROM ${src('prescriptions')}
  WHERE atc LIKE 'C10AA%' AND date BETWEEN ${IDX} - 365 AND ${IDX} - 1),
c AS (
  SELECT e.pid, (r.pid IS NOT NULL)::INT AS statin, coalesce(d.diabetes, false)::INT AS diabetes,
         least(${END}, coalesce(e.emig, ${END})) AS censor, e.death, d.mi
  FROM elig e LEFT JOIN d USING (pid) LEFT JOIN r USING (pid) WHERE NOT coalesce(d.prior_mi, false)),
f AS (
  SELECT *, CASE WHEN mi IS NOT NULL AND mi <= censor AND (death IS NULL OR mi <= death) THEN 1
                 WHEN death IS NOT NULL AND death <= censor THEN 2 ELSE 0 END AS status FROM c)
SELECT status, statin, diabetes, count(*) AS n,
       sum(CASE status WHEN 1 THEN mi WHEN 2 THEN death ELSE censor END - ${IDX}) AS days
FROM f GROUP BY ALL ORDER BY ALL`;
(async () => {
  const db = await DuckDBInstance.create(':memory:', { threads: String(threads) });
  const con = await db.connect();
  const t0 = process.hrtime.bigint();
  if (mode === 'convert') {
    for (const t of ['population', 'diagnoses', 'prescriptions'])
      await con.run(`COPY (SELECT * FROM ${csv[t]}) TO '${t}.parquet' (FORMAT parquet)`);
    console.log(JSON.stringify({ seconds: Number(process.hrtime.bigint() - t0) / 1e9 }));
    return;
  }
  const rows = (await con.runAndReadAll(cohort)).getRowObjects();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cells = rows.map((x) => [[Number(x.status), Number(x.statin), Number(x.diabetes)], Number(x.n)]);
  const sum = (f) => rows.filter(f).reduce((a, x) => a + Number(x.n), 0);
  const days = rows.reduce((a, x) => a + Number(x.days), 0);
  console.log(JSON.stringify({ mode, seconds, persons: sum(() => true), events: sum((x) => Number(x.status) === 1),
    competing: sum((x) => Number(x.status) === 2), person_years: Math.round(days / 365.25 * 10) / 10, cells }));
})().catch((e) => { console.error(e); process.exit(1); });
JS
export DUCKDB_DIR
duck() {  # MODE OUT: one run, its query time and the process's wall time and peak memory
    /usr/bin/time -f "%e %M" -o "$2.time" node duck.js "$1" "$DUCK_THREADS" > "$2" || { cat "$2.time"; exit 1; }
}
if [[ $(cat parquet.persons 2>/dev/null) != "$PERSONS" ]]; then
    duck convert duck_convert.json
    echo "converted CSV to Parquet in $(/usr/bin/python3 -c "import json; print(round(json.load(open('duck_convert.json'))['seconds'], 1))") s: $(du -ch ./*.parquet | tail -1 | cut -f1)"
    echo "$PERSONS" > parquet.persons
fi
for i in $(seq 1 "$REPEATS"); do duck parquet "duck_parquet.$i.json"; done
duck csv duck_csv.json

/usr/bin/python3 - "$DIR" "$REPEATS" <<'PY'
import json, sys, statistics
d, repeats = sys.argv[1], int(sys.argv[2])
k = json.load(open(f"{d}/kohort_summary.json"))
def load(name):
    r = json.load(open(f"{d}/{name}"))
    wall, rss = open(f"{d}/{name}.time").read().split()[-2:]
    r["wall"], r["rss_mib"] = float(wall), int(rss) / 1024
    return r
pq = [load(f"duck_parquet.{i}.json") for i in range(1, repeats + 1)]
cv = load("duck_csv.json")
def same(r):
    return ((k["persons"], k["events"], k["competing"]) == (r["persons"], r["events"], r["competing"])
            and abs(k["person_years"] - r["person_years"]) <= 0.1 and (not k["cells"] or k["cells"] == r["cells"]))
rows = k["rows"]
pbest, pmed = min(r["seconds"] for r in pq), statistics.median(r["seconds"] for r in pq)
print(f"DuckDB on Parquet: {pbest:.2f} s best, {pmed:.2f} s median (query only), {min(r['wall'] for r in pq):.2f} s wall "
      f"(node start to exit), peak {max(r['rss_mib'] for r in pq):.0f} MiB; {rows / pbest / 1e6:.1f} M register rows/s")
print(f"DuckDB on CSV: {cv['seconds']:.2f} s (scan + query), peak {cv['rss_mib']:.0f} MiB; {rows / cv['seconds'] / 1e6:.1f} M register rows/s")
print(f"kohort: {k['seconds_best']:.2f} s best, {k['seconds_median']:.2f} s median (cohort build), {k['wall_best']:.2f} s wall; "
      f"{rows / k['seconds_best'] / 1e6:.1f} M register rows/s; peak {k['peak_mib']:.0f} MiB per rank")
print(f"kohort vs DuckDB/Parquet: {pbest / k['seconds_best']:.1f}x (best vs best); "
      f"same cohort (persons, MI, deaths, person-years, status x statin x diabetes counts): "
      f"Parquet {all(same(r) for r in pq)}, CSV {same(cv)}")
if not all(same(r) for r in pq + [cv]):
    print("MISMATCH: kohort", {x: k[x] for x in ("persons", "events", "competing", "person_years", "cells")},
          "DuckDB", {x: pq[0][x] for x in ("persons", "events", "competing", "person_years", "cells")})
    sys.exit(1)
PY
