#!/usr/bin/env bash
# Disclosure policies none and sds on kind = table and kind = summary, a job that asks for a looser
# policy, an unapproved column, and the audit record (one per job, no data values).
set -euo pipefail
tmp="$KOHORT_TEST_TMP"; rm -rf "$tmp"; mkdir -p "$tmp"; cd "$tmp"
fail() { echo "FAIL: $*"; exit 1; }
json() { /usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1], encoding='utf-8')); print(eval(sys.argv[2], {'d': d}))" "$@"; }

# 40 rows of group a, 3 rows of group b (a small cell), 2 rows of group c, values 987650+i.
printf 'g,v\n' > t.csv
for i in $(seq 1 40); do printf 'a,%d\n' "$((987650 + i))" >> t.csv; done
for i in 1 2 3; do printf 'b,%d\n' "$((987700 + i))" >> t.csv; done
for i in 1 2; do printf 'c,%d\n' "$((987800 + i))" >> t.csv; done
"$KOHORT" import --csv t.csv --table t --store s.h5 >/dev/null

cat > job.ini <<INI
[job]
name = governance
store = s.h5
output = out/gov
[model.t]
kind = table
table = t
by = g
[model.s]
kind = summary
table = t
columns = v
INI
printf '[disclosure]\npolicy = none\n' > none.ini
printf '[disclosure]\npolicy = sds\n' > sds.ini
printf '[disclosure]\npolicy = sds\n[project.p1]\ntables = t\ncolumns = g\n' > approvals.ini
audit="$tmp/audit.jsonl"; export KOHORT_AUDIT_LOG="$audit"

# none: every count released, min and max shown.
KOHORT_SITE_CONFIG=none.ini "$KOHORT" run job.ini -q >/dev/null
[[ $(json out/gov/results.json "[c['count'] for c in d['models']['t']['cells']]") == "[40, 3, 2]" ]] || fail "none: counts"
[[ $(json out/gov/results.json "d['models']['s']['columns'][0]['max']") == "987802.0" ]] || fail "none: max"
[[ $(json out/gov/results.json "d['disclosure']['suppressed']") == "0" ]] || fail "none: suppressed"

# sds: levels b and c are held by fewer than 5 persons, so their labels never appear: they are
# merged into one level (5 persons, released); min/max withheld; disclosure.json names each rule.
KOHORT_SITE_CONFIG=sds.ini "$KOHORT" run job.ini -q >/dev/null
[[ $(json out/gov/results.json "[c['count'] for c in d['models']['t']['cells']]") == "[40, 5]" ]] || fail "sds: counts"
[[ $(json out/gov/results.json "[c['g'] for c in d['models']['t']['cells']]") == "['a', '(levels of fewer than 5 persons)']" ]] || fail "sds: labels"
! grep -rqE '(^|[",])(b|c)(,|"|$)' out/gov/t.csv out/gov/results.json || fail "sds: a small level's label was released"
[[ $(json out/gov/results.json "d['models']['t']['n']") == "45" ]] || fail "sds: total"
[[ $(json out/gov/results.json "d['models']['s']['columns'][0]['max']") == "None" ]] || fail "sds: max shown"
[[ $(json out/gov/results.json "d['disclosure']['policy']") == "sds" ]] || fail "sds: policy"
[[ $(json out/gov/results.json "d['disclosure']['suppressed'] >= 2") == "True" ]] || fail "sds: suppressed count"
[[ $(json out/gov/disclosure.json "sorted(w['rule'] for w in d['models']['t']['withheld'])") == "['small_level', 'small_level']" ]] || fail "sds: disclosure.json table rules"
[[ $(json out/gov/disclosure.json "sorted(w['field'] for w in d['models']['s']['withheld'])") == "['columns.max', 'columns.min']" ]] || fail "sds: disclosure.json summary"

# A job may not loosen the site's policy: exit 3, output unchanged.
before=$(sha256sum out/gov/results.json)
set +e; KOHORT_SITE_CONFIG=sds.ini "$KOHORT" run job.ini --set job.disclosure=none -q 2> err.txt; rc=$?; set -e
[[ $rc -eq 3 ]] || fail "looser policy: exit $rc, expected 3"
grep -q "stricter, never looser" err.txt || fail "looser policy: message"
[[ "$(sha256sum out/gov/results.json)" == "$before" ]] || fail "looser policy changed the output"

# Unapproved column v for project p1: exit 3 before any data is read.
set +e; KOHORT_SITE_CONFIG=approvals.ini "$KOHORT" run job.ini --set job.project=p1 -q 2> err.txt; rc=$?; set -e
[[ $rc -eq 3 ]] || fail "unapproved column: exit $rc, expected 3"
grep -q "not approved for column 't.v'" err.txt || fail "unapproved column: message"

# Audit: one record per job (4 jobs above), the job file hash, and no data values.
[[ $(wc -l < "$audit") -eq 4 ]] || fail "audit: $(wc -l < "$audit") records, expected 4"
grep -q "$(sha256sum job.ini | cut -c1-64)" "$audit" || fail "audit: job hash missing"
grep -q '"status":"failed"' "$audit" || fail "audit: failed job not recorded"
if grep -q '9876[5-8][0-9]' "$audit"; then fail "audit: holds a data value"; fi
echo PASS
