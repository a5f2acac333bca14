#!/bin/bash
# `kohort inspect` through the real CLI: help, listing, --table, --json, and exit code 2 with the
# file named for a missing store or an unknown table. Usage: inspect_cli_test.sh WRITE_SAMPLE_STORE
set -euo pipefail
writer=$1
tmp=${KOHORT_TEST_TMP:-$(mktemp -d)}/inspect_cli
rm -rf "$tmp" && mkdir -p "$tmp"
fail() { echo "FAIL: $*"; exit 1; }

"$KOHORT" inspect --help > "$tmp/help.txt"
grep -q "Usage: kohort inspect STORE.h5" "$tmp/help.txt" || fail "--help lacks the usage line"
grep -q -- "--json" "$tmp/help.txt" || fail "--help does not mention --json"

"$writer" "$tmp/s.h5"
"$KOHORT" inspect "$tmp/s.h5" > "$tmp/out.txt"
grep -q "Table people: 1,000 rows, partitioned by pid, 2 columns" "$tmp/out.txt" || { cat "$tmp/out.txt"; fail "people line"; }
grep -Eq "^  region +categorical +21 +20.4% +5$" "$tmp/out.txt" || { cat "$tmp/out.txt"; fail "region line"; }
! grep -q "Hovedstaden" "$tmp/out.txt" || fail "inspect printed a dictionary label"

"$KOHORT" inspect "$tmp/s.h5" --table visits --json > "$tmp/out.json"
/usr/bin/python3 - "$tmp/out.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1], encoding="utf-8"))
assert [t["name"] for t in j["tables"]] == ["visits"], j
assert j["tables"][0]["rows"] == 103 and j["tables"][0]["columns"][4]["levels"] == 5, j
PY

set +e
"$KOHORT" inspect "$tmp/nope.h5" 2> "$tmp/err.txt"; rc=$?
set -e
[ "$rc" -eq 2 ] || fail "missing store gave exit $rc, expected 2"
grep -q "nope.h5" "$tmp/err.txt" || fail "missing store message does not name the file: $(cat "$tmp/err.txt")"

set +e
"$KOHORT" inspect "$tmp/s.h5" --table visit 2> "$tmp/err.txt"; rc=$?
set -e
[ "$rc" -eq 2 ] || fail "unknown table gave exit $rc, expected 2"
grep -q "its tables are: people, visits" "$tmp/err.txt" || fail "unknown table message: $(cat "$tmp/err.txt")"
echo "kohort inspect OK"
