#!/usr/bin/env bash
# `save = true` (issue 5, item 2; docs/cohorts.md "Saving") through the real CLI on 2 ranks:
#  - job A builds the demo cohort and saves it to the store as the table `study`;
#  - the saved table, read with h5py, equals an independent numpy computation of the cohort from the
#    raw registers (eligibility, exclusion, covariates, status, exit date, time), row for row, and
#    its row count equals the persons job A released in results.json;
#  - job B, a later job, reads `study` from the store (table = study) and its counts by status equal
#    job A's released MI, competing and censored counts; the audit record names the table;
#  - governance: the saved table is governed by the site's project approvals like any other table
#    (not approved: exit 3 before any data is read), and save never replaces a table that no study
#    job derived (exit 2, the original left as it was); saving again replaces the derived table.
set -euo pipefail
: "${KOHORT:?}" "${KOHORT_TEST_TMP:?}"
rm -rf "$KOHORT_TEST_TMP"; mkdir -p "$KOHORT_TEST_TMP"; cd "$KOHORT_TEST_TMP"
export PMIX_MCA_psec=${PMIX_MCA_psec:-native}
mpiexec=${KOHORT_MPIEXEC:-mpirun}
read -r -a mpiflags <<< "${KOHORT_MPIEXEC_FLAGS:---oversubscribe --allow-run-as-root}"
run2() { "$mpiexec" "${mpiflags[@]}" -np 2 "$KOHORT" "$@"; }
fail() { echo "FAIL: $*"; exit 1; }
json() { /usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1], encoding='utf-8')); print(eval(sys.argv[2], {'d': d}))" "$@"; }
export KOHORT_AUDIT_LOG="$KOHORT_TEST_TMP/audit.jsonl"

run2 synth --persons 20000 --seed 5 --out s.h5 > /dev/null 2>&1

# p1 may read the registers and the derived table; p2 only the registers; p3 the derived table's
# status column only.
cat > site.ini <<'INI'
[disclosure]
policy = none
[project.p1]
tables = population, diagnoses, prescriptions, study
[project.p2]
tables = population, diagnoses, prescriptions
[project.p3]
tables = study
columns = status
INI
export KOHORT_SITE_CONFIG="$KOHORT_TEST_TMP/site.ini"

cat > a.ini <<'INI'
[job]
name = save_study
store = s.h5
output = out/a
project = p1
[variable.statin]
register = prescriptions
column = atc
codes = C10AA*
window = -365, -1
[variable.diabetes]
register = diagnoses
column = icd10
codes = E1[0-4]*
window = -inf, -1
[variable.prior_mi]
register = diagnoses
column = icd10
codes = I21*
window = -inf, 0
[variable.mi]
register = diagnoses
column = icd10
codes = I21*
window = 1, inf
value = first
[cohort.study]
index = 2010-01-01
age = 30, 90
exclude = prior_mi
end = 2020-12-31
outcome = mi
competing = death
covariates = age, sex, statin, diabetes
save = true
INI
run2 run a.ini -q > /dev/null 2> a.err || { cat a.err; fail "job A (save = true) failed"; }
[[ $(json out/a/results.json "d['derived_tables']['study']['saved_to_store']") == *s.h5 ]] || fail "results.json: saved_to_store"

# The saved table against the cohort computed from the raw registers with numpy (no kohort code).
/usr/bin/python3 - s.h5 out/a/results.json <<'PY'
import json, re, sys
import h5py, numpy as np
f = h5py.File(sys.argv[1], "r"); T = f["tables"]
r = json.load(open(sys.argv[2], encoding="utf-8"))["derived_tables"]["study"]
M = np.iinfo(np.int32).min
IDX = (np.datetime64("2010-01-01") - np.datetime64("1970-01-01")).astype(int)
END = (np.datetime64("2020-12-31") - np.datetime64("1970-01-01")).astype(int)
def labels(t, c):
    d = T[t]["_dictionaries"][c]
    return np.array([x.decode() if isinstance(x, bytes) else x for x in d.asstr()[:]], dtype=object)
def hit(t, c, pattern):  # per row: the code's label matches the regular expression
    lab = labels(t, c); match = np.array([bool(re.match(pattern, x, re.I)) for x in lab] + [False])
    codes = T[t][c][:]
    return match[np.where(codes < 0, len(lab), codes)]

pid = T["population"]["pid"][:]; birth = T["population"]["birth_date"][:]
death = T["population"]["death_date"][:]; emig = T["population"]["emigration_date"][:]
sex = T["population"]["sex"][:]
ok = (birth != M) & (birth <= IDX) & ((death == M) | (death > IDX)) & ((emig == M) | (emig > IDX))
age = (IDX - birth.astype(np.int64)) / 365.25
ok &= (age >= 30) & (age < 90)

def persons_with(t, col, pattern, lo, hi):  # pids with a matching code dated in [lo, hi]
    d = T[t]["date"][:]; p = T[t]["pid"][:]
    sel = hit(t, col, pattern) & (d != M) & (d >= lo) & (d <= hi)
    return p[sel], d[sel]
prior, _ = persons_with("diagnoses", "icd10", r"I21", -2**40, IDX)
diab, _ = persons_with("diagnoses", "icd10", r"E1[0-4]", -2**40, IDX - 1)
stat, _ = persons_with("prescriptions", "atc", r"C10AA", IDX - 365, IDX - 1)
mi_p, mi_d = persons_with("diagnoses", "icd10", r"I21", IDX + 1, 2**40)
ok &= ~np.isin(pid, prior)
first_mi = {}
for p_, d_ in zip(mi_p.tolist(), mi_d.tolist()):
    first_mi[p_] = min(d_, first_mi.get(p_, d_))

order = np.argsort(pid[ok], kind="stable")
e_pid = pid[ok][order]; e_death = death[ok][order]; e_emig = emig[ok][order]
e_age = age[ok][order]; e_sex = sex[ok][order]
INF = 2**40
censor = np.minimum(END, np.where(e_emig == M, INF, e_emig))
comp = np.where(e_death == M, INF, e_death)
ev = np.array([first_mi.get(p_, INF) for p_ in e_pid.tolist()], dtype=np.int64)
status = np.where((ev <= censor) & (ev <= comp), 1, np.where(comp <= censor, 2, 0))
exit_ = np.where(status == 1, ev, np.where(status == 2, comp, censor))

s = T["study"]
cols = list(s.attrs["columns"])
assert s.attrs["partitioning"] in ("pid", b"pid"), s.attrs["partitioning"]
assert s.attrs["derived_by_job"] in ("save_study", b"save_study"), dict(s.attrs)
assert s.attrs["derived_from_section"] in ("cohort.study", b"cohort.study"), dict(s.attrs)
n = int(s.attrs["num_rows"])
assert n == r["persons"] == len(e_pid), (n, r["persons"], len(e_pid))
for c in ["pid", "index_date", "exit_date", "time", "status", "event", "competing", "age", "sex", "statin", "diabetes"]:
    assert c in cols, (c, cols)
g = {c: s[c][:] for c in cols}
assert np.all(np.diff(g["pid"]) > 0), "saved table not sorted by pid"
assert np.array_equal(g["pid"], e_pid)
assert np.all(g["index_date"] == IDX)
assert np.array_equal(g["exit_date"], exit_)
assert np.array_equal(g["status"], status)
assert np.array_equal(g["event"], (status == 1).astype(np.int64))
assert np.array_equal(g["competing"], (status == 2).astype(np.int64))
assert np.allclose(g["time"], (exit_ - IDX) / 365.25, rtol=0, atol=1e-12)
assert np.allclose(g["age"], e_age, rtol=0, atol=1e-12)
assert np.array_equal(labels("study", "sex")[g["sex"]], labels("population", "sex")[e_sex])
assert np.array_equal(g["statin"], np.isin(e_pid, stat).astype(np.int64))
assert np.array_equal(g["diabetes"], np.isin(e_pid, diab).astype(np.int64))
assert (status == 1).sum() == r["events"] and (status == 2).sum() == r["competing_events"], r
print(f"saved table: {n} rows equal the independent computation ({(status == 1).sum()} MI, {(status == 2).sum()} deaths)")
PY

# Job B: a later job reads the saved table from the store.
cat > b.ini <<'INI'
[job]
name = read_study
store = s.h5
output = out/b
project = p1
[model.by_status]
kind = table
table = study
by = status
[model.time]
kind = summary
table = study
columns = time
INI
run2 run b.ini -q > /dev/null 2> b.err || { cat b.err; fail "job B (reads the saved table) failed"; }
/usr/bin/python3 - out/a/results.json out/b/results.json <<'PY'
import json, sys
a = json.load(open(sys.argv[1], encoding="utf-8"))["derived_tables"]["study"]
b = json.load(open(sys.argv[2], encoding="utf-8"))["models"]
cells = {str(c["status"]): c["count"] for c in b["by_status"]["cells"]}
want = {"0": a["censored"], "1": a["events"], "2": a["competing_events"]}
assert cells == want, (cells, want)
assert b["time"]["columns"][0]["n"] == a["persons"], (b["time"]["columns"][0], a["persons"])
print("job B: counts by status of the saved table equal job A's released counts", cells)
PY
# Job A's audit record lists what the cohort section read: the population table and both registers,
# with the columns (names only).
/usr/bin/python3 - "$KOHORT_AUDIT_LOG" <<'PY' || fail "audit: job A's record does not list the tables its cohort read"
import json, sys
records = [json.loads(line) for line in open(sys.argv[1], encoding="utf-8")]
a = [r for r in records if r['job'] == 'save_study' and r['status'] == 'succeeded'][0]
read = {i['table']: set(i['columns']) for i in a['inputs']}
assert {'population', 'diagnoses', 'prescriptions'} <= set(read), read
assert {'pid', 'birth_date'} <= read['population'] and read['diagnoses'] and read['prescriptions'], read
print("job A's audit inputs:", {t: sorted(c) for t, c in read.items()})
PY
tail -1 "$KOHORT_AUDIT_LOG" | /usr/bin/python3 -c "
import json, sys
r = json.loads(sys.stdin.read())
assert r['job'] == 'read_study' and r['project'] == 'p1' and r['status'] == 'succeeded', r
assert any(i['table'] == 'study' for i in r['inputs']), r['inputs']
" || fail "audit: job B's record does not name the table study"

# Governance: p2 has no approval for the derived table, p3 none for its column time: exit 3.
set +e
run2 run b.ini --set job.project=p2 -q > /dev/null 2> p2.err; rc2=$?
run2 run b.ini --set job.project=p3 -q > /dev/null 2> p3.err; rc3=$?
set -e
[[ $rc2 -eq 3 ]] || fail "project p2 read the saved table: exit $rc2, expected 3"
grep -q "not approved for table 'study'" p2.err || { cat p2.err; fail "p2: message"; }
[[ $rc3 -eq 3 ]] || fail "project p3 read study.time: exit $rc3, expected 3"
grep -q "not approved for column 'study.time'" p3.err || { cat p3.err; fail "p3: message"; }

# Saving again replaces the derived table (same rows); a cohort named after a table no study job
# derived is refused with exit 2 and leaves that table as it was.
run2 run a.ini -q > /dev/null 2> a2.err || { cat a2.err; fail "saving again failed"; }
rows() { /usr/bin/python3 -c "import h5py,sys; print(int(h5py.File(sys.argv[1],'r')['tables'][sys.argv[2]].attrs['num_rows']))" s.h5 "$1"; }
[[ $(rows study) == $(json out/a/results.json "d['derived_tables']['study']['persons']") ]] || fail "re-saved row count"
before=$(rows prescriptions)
sed -e 's/^\[cohort.study\]/[cohort.prescriptions]/' -e 's/^output = out\/a/output = out\/c/' a.ini > c.ini
set +e; run2 run c.ini -q > /dev/null 2> c.err; rc=$?; set -e
[[ $rc -eq 2 ]] || { cat c.err; fail "save over a register: exit $rc, expected 2"; }
grep -q "already has a table 'prescriptions' that no study job derived" c.err || { cat c.err; fail "save over a register: message"; }
[[ $(rows prescriptions) == "$before" ]] || fail "the register prescriptions was changed"
echo "save_table: ok"
