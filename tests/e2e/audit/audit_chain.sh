#!/usr/bin/env bash
# The audit trail (contract section 7, issue 10 point 7): the record is on disk before the output
# folder appears, an unwritable log releases nothing, 8 jobs started at once keep the chain, and
# `kohort audit verify` names the first edited, removed or reordered record (exit 3).
# The chain is re-checked here by an independent Python implementation of docs/governance.md.
set -euo pipefail
tmp="$KOHORT_TEST_TMP"; rm -rf "$tmp"; mkdir -p "$tmp"; cd "$tmp"
fail() { echo "FAIL: $*"; exit 1; }
export KOHORT_SITE_CONFIG="$KOHORT_SOURCE_DIR/tests/data/site_none.ini"

printf 'g,v\n' > t.csv
for i in $(seq 1 30); do printf 'a,%d\n' "$((987650 + i))" >> t.csv; done
for i in 1 2 3; do printf 'b,%d\n' "$((987700 + i))" >> t.csv; done
"$KOHORT" import --csv t.csv --table t --store s.h5 >/dev/null
cat > job.ini <<INI
[job]
name = audited
store = s.h5
output = out/a
project = p1
purpose = Statin use and myocardial infarction, protocol 2026-07
[model.t]
kind = table
table = t
by = g
INI

# --- 1. an audit log that cannot be written: exit non-zero, no output folder, nothing staged left
mkdir adir
for bad in "$tmp/adir" "$tmp/t.csv/audit.jsonl"; do
    set +e; KOHORT_AUDIT_LOG="$bad" "$KOHORT" run job.ini -q --set job.output=out/unaudited 2> err.txt; rc=$?; set -e
    [[ $rc -ne 0 ]] || fail "unwritable log $bad: exit 0"
    [[ $rc -eq 3 ]] || fail "unwritable log $bad: exit $rc, expected 3"
    [[ ! -e out/unaudited ]] || fail "unwritable log $bad: the output folder was released"
    # Nothing staged is left behind; the job's private checkpoint (docs/jobs.md) may stay.
    left="$(ls -A out 2>/dev/null | grep -v '^\.unaudited\.checkpoint$' || true)"
    [[ -z "$left" ]] || fail "unwritable log $bad: left $left"
    grep -q "nothing was released" err.txt || fail "unwritable log: message: $(cat err.txt)"
done
# The same under mpirun with 2 ranks.
set +e
KOHORT_AUDIT_LOG="$tmp/adir" $KOHORT_MPIEXEC $KOHORT_MPIEXEC_FLAGS -np 2 "$KOHORT" run job.ini -q \
    --set job.output=out/unaudited2 2> err.txt; rc=$?
set -e
[[ $rc -ne 0 ]] || fail "unwritable log at 2 ranks: exit 0"
[[ ! -e out/unaudited2 ]] || fail "unwritable log at 2 ranks: output released"

# --- 2. eight jobs started at once append to one log
export KOHORT_AUDIT_LOG="$tmp/audit.jsonl"
pids=()
for i in 1 2 3 4 5 6 7 8; do
    "$KOHORT" run job.ini -q --set job.output=out/c$i >/dev/null 2>"err$i.txt" & pids+=($!)
done
for i in "${!pids[@]}"; do wait "${pids[$i]}" || fail "concurrent job $((i + 1)) failed: $(cat err$((i + 1)).txt)"; done
[[ $(wc -l < audit.jsonl) -eq 8 ]] || fail "8 jobs wrote $(wc -l < audit.jsonl) records"
"$KOHORT" audit verify --log audit.jsonl > verify.txt || fail "verify after 8 concurrent jobs: exit $?"
grep -q "chain holds, 8 record" verify.txt || fail "verify summary: $(cat verify.txt)"
# A failing job is recorded too, and the chain still holds.
set +e; "$KOHORT" run job.ini -q --set model.t.table=nope --set job.output=out/bad 2>/dev/null; rc=$?; set -e
[[ $rc -eq 2 ]] || fail "bad table: exit $rc"
"$KOHORT" audit verify > /dev/null || fail "verify (default log from KOHORT_AUDIT_LOG) after a failed job"

# Independent check: chain links, seals, seq, and each output file's SHA-256 against the disk.
/usr/bin/python3 - audit.jsonl <<'PY' || fail "independent chain check"
import hashlib, json, os, sys
prev = "0" * 64
with open(sys.argv[1], "rb") as f:
    lines = f.read().split(b"\n")
assert lines[-1] == b"", "log must end in a newline"
seqs = set()
pages = 0
for n, raw in enumerate(lines[:-1], 1):
    r = json.loads(raw.decode("utf-8"))
    assert r["seq"] == n, (n, r["seq"])
    assert r["prev_sha256"] == prev, ("prev", n)
    seal = r["record_sha256"]
    unsealed = raw.replace(b'"record_sha256":"' + seal.encode() + b'"', b'"record_sha256":""')
    assert hashlib.sha256(unsealed).hexdigest() == seal, ("seal", n)
    prev = hashlib.sha256(raw).hexdigest()
    if r["status"] == "succeeded":
        names = sorted(x["name"] for x in r["output_files"])
        assert names == ["disclosure.json", "job.log", "report.html", "results.json", "t.csv"], names
        for x in r["output_files"]:
            data = open(os.path.join(r["output"], x["name"]), "rb").read()
            if x["name"] == "report.html":
                # The page shows its record's hash; the record lists the page with it as 64 zeros.
                shown = b'<code id="audit-record-sha256">' + seal.encode() + b'</code>'
                assert data.count(shown) == 1, (n, "report.html does not show its record's hash")
                data = data.replace(shown, shown.replace(seal.encode(), b"0" * 64))
                pages += 1
            assert hashlib.sha256(data).hexdigest() == x["sha256"], (n, x["name"])
    seqs.add(r["seq"])
assert len(seqs) == 9
assert pages > 0, "no succeeded record with a report.html"
print(f"independent check: 9 records chained; {pages} report pages show their record's hash")
PY

# --- 3. tampering: edited, resealed-edited, removed, reordered records
expect_broken() {  # $1 = log, $2 = line that must be named, $3 = what
    set +e; "$KOHORT" audit verify --log "$1" > /dev/null 2> err.txt; rc=$?; set -e
    [[ $rc -eq 3 ]] || fail "$3: verify exit $rc, expected 3"
    grep -q "$1:$2: the audit chain does not hold" err.txt || fail "$3: expected line $2 named: $(cat err.txt)"
}
sed '3s/"purpose":"Statin/"purpose":"Aspirin/' audit.jsonl > edited.jsonl
cmp -s edited.jsonl audit.jsonl && fail "the edit changed nothing"
expect_broken edited.jsonl 3 "edited record"
/usr/bin/python3 - audit.jsonl resealed.jsonl <<'PY'
# Edits record 4's user and recomputes its seal, as an attacker who knows the format would.
import hashlib, json, re, sys
lines = open(sys.argv[1], "rb").read().split(b"\n")[:-1]
raw = lines[3]
seal = json.loads(raw)["record_sha256"].encode()
raw = re.sub(rb'"user":"[^"]*"', b'"user":"someone_else"', raw)
blank = raw.replace(b'"record_sha256":"' + seal + b'"', b'"record_sha256":""')
lines[3] = blank.replace(b'"record_sha256":""', b'"record_sha256":"' + hashlib.sha256(blank).hexdigest().encode() + b'"')
open(sys.argv[2], "wb").write(b"\n".join(lines) + b"\n")
PY
expect_broken resealed.jsonl 5 "edited and resealed record 4"
sed '4d' audit.jsonl > removed.jsonl
expect_broken removed.jsonl 4 "removed record"
sed '1d' audit.jsonl > first_removed.jsonl
expect_broken first_removed.jsonl 1 "removed first record"
awk 'NR == 5 { held = $0; next } { print } NR == 6 { print held }' audit.jsonl > reordered.jsonl  # swap 5 and 6
cmp -s reordered.jsonl audit.jsonl && fail "the reorder changed nothing"
expect_broken reordered.jsonl 5 "reordered records"
head -c -20 audit.jsonl > torn.jsonl
expect_broken torn.jsonl 9 "torn last record"
# Truncation at the end keeps a valid shorter chain: --head with the published head detects it.
head_sha=$(sed -n 's/.*head sha256 \([0-9a-f]*\).*/\1/p' <("$KOHORT" audit verify --log audit.jsonl))
sed '$d' audit.jsonl > truncated.jsonl
"$KOHORT" audit verify --log audit.jsonl --head "$head_sha" > /dev/null || fail "--head with the right head"
set +e; "$KOHORT" audit verify --log truncated.jsonl --head "$head_sha" > /dev/null 2>&1; rc=$?; set -e
[[ $rc -eq 3 ]] || fail "truncated log with --head: exit $rc, expected 3"

# --- 4. the transparency report: per project, no data values
"$KOHORT" audit report --log audit.jsonl > report.json
/usr/bin/python3 - report.json <<'PY' || fail "report content"
import json, sys
r = json.load(open(sys.argv[1], encoding="utf-8"))
assert r["audit_log"]["chain_verified"] is True
(p,) = r["projects"]
assert p["project"] == "p1" and p["jobs"] == 9, p
assert p["purposes"] == ["Statin use and myocardial infarction, protocol 2026-07"], p["purposes"]
assert p["tables"] == ["t"] and p["columns"] == ["t.g"], (p["tables"], p["columns"])
assert len(p["users"]) == 1 and p["first"] <= p["last"]
assert sorted(set(j["status"] for j in p["runs"])) == ["failed", "succeeded"]
# Each run names its record by the hash its report.html shows (section 2's check ties the two).
seals = [json.loads(l)["record_sha256"] for l in open("audit.jsonl", encoding="utf-8")]
assert sorted(j["record_sha256"] for j in p["runs"]) == sorted(seals)
PY
"$KOHORT" audit report --log audit.jsonl --format csv > report.csv
[[ $(head -1 report.csv) == "project,time,user,job,purpose,status,tables,columns" ]] || fail "csv header"
[[ $(wc -l < report.csv) -eq 10 ]] || fail "csv rows: $(wc -l < report.csv)"
[[ $("$KOHORT" audit report --log audit.jsonl --format csv --since 2999-01-01 | wc -l) -eq 1 ]] || fail "--since future"
[[ $("$KOHORT" audit report --log audit.jsonl --format csv --since 2000-01-01 | wc -l) -eq 10 ]] || fail "--since past"
if grep -Eq '9876[5-8][0-9]|"rows"|"count"' report.json report.csv; then fail "report holds a data value or count"; fi
set +e; "$KOHORT" audit report --log audit.jsonl --since 2026-13 >/dev/null 2>&1; rc=$?; set -e
[[ $rc -eq 2 ]] || fail "--since bad date: exit $rc"
set +e; "$KOHORT" audit report --log edited.jsonl >/dev/null 2>err.txt; rc=$?; set -e
[[ $rc -eq 3 ]] || fail "report on a broken chain: exit $rc"
set +e; "$KOHORT" audit verify --log nonexistent.jsonl >/dev/null 2>&1; rc=$?; set -e
[[ $rc -eq 2 ]] || fail "missing log: exit $rc"
for sub in verify report; do
    "$KOHORT" audit $sub --help | grep -q "Usage: kohort audit $sub" || fail "audit $sub --help"
done
"$KOHORT" audit --help | grep -q "kohort audit verify" || fail "audit --help"
echo PASS
