#!/usr/bin/env bash
# A failure planted on one rank of 3 must end the whole job: non-zero exit, the rank and message
# printed, no hang (ctest's timeout), no output folder.
set -euo pipefail
tmp="$KOHORT_TEST_TMP"; rm -rf "$tmp"; mkdir -p "$tmp"; cd "$tmp"
printf 'pid,x\n' > t.csv
for i in $(seq 1 300); do printf '%d,%d\n' "$i" "$((i % 7))" >> t.csv; done
"$KOHORT" import --csv t.csv --table t --store s.h5 >/dev/null
cat > job.ini <<INI
[job]
name = abort_test
store = s.h5
output = out/abort
[model.s]
kind = summary
table = t
columns = x
INI
set +e
KOHORT_DEBUG_FAIL_RANK=1 timeout 90 $KOHORT_MPIEXEC $KOHORT_MPIEXEC_FLAGS -np 3 "$KOHORT" run job.ini > out.txt 2> err.txt
rc=$?
set -e
echo "exit code: $rc"
[[ $rc -ne 0 && $rc -ne 124 ]] || { echo "FAIL: expected a non-zero exit without timeout, got $rc"; cat err.txt; exit 1; }
grep -q "error on rank 1 of 3" err.txt || { echo "FAIL: rank not named"; cat err.txt; exit 1; }
grep -q "planted failure" err.txt || { echo "FAIL: message not printed"; cat err.txt; exit 1; }
[[ ! -e out/abort ]] || { echo "FAIL: output folder exists"; exit 1; }
ls -a out 2>/dev/null | grep -q tmp && { echo "FAIL: temporary output left"; exit 1; }
# The same job without the planted failure succeeds on 3 ranks.
$KOHORT_MPIEXEC $KOHORT_MPIEXEC_FLAGS -np 3 "$KOHORT" run job.ini -q >/dev/null
[[ -f out/abort/results.json ]] || { echo "FAIL: clean run wrote no results"; exit 1; }
echo "PASS"
