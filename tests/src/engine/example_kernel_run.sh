#!/usr/bin/env bash
# docs/developing.md's example kind (kind = mean) through `kohort run` of a binary built with it:
# the mean of 1..10 is 5.5 at 1 and 2 ranks, `kohort kinds mean` prints its keys, and a misspelt
# key is refused like in any built-in kind.
set -euo pipefail
KOHORT_EXAMPLE=$1
: "${KOHORT_TEST_TMP:?}" "${KOHORT_MPIEXEC:?}"
rm -rf "$KOHORT_TEST_TMP"; mkdir -p "$KOHORT_TEST_TMP"; cd "$KOHORT_TEST_TMP"
fail() { echo "FAIL: $*"; exit 1; }

{ echo "x,g"; for i in $(seq 1 10); do echo "$i,a"; done; } > t.csv
"$KOHORT_EXAMPLE" import --csv t.csv --table t --store s.h5 > /dev/null
cat > job.ini <<INI
[job]
name = example
store = s.h5
output = out/np1
[model.avg]
kind = mean
table = t
column = x
INI
"$KOHORT_EXAMPLE" kinds mean | grep -qE "^  column +column +required" || fail "kohort kinds mean lacks column"
for np in 1 2; do
    # shellcheck disable=SC2086
    $KOHORT_MPIEXEC ${KOHORT_MPIEXEC_FLAGS:-} -np $np "$KOHORT_EXAMPLE" run job.ini --quiet --set job.output=out/np$np > /dev/null
    mean=$(python3 -c "import json; print(json.load(open('out/np$np/results.json'))['models']['avg']['mean'])")
    [[ $mean == 5.5 ]] || fail "np $np: mean $mean, expected 5.5 (the mean of 1..10)"
    grep -q "^x,10,5.5$" "out/np$np/avg.csv" || fail "np $np: avg.csv: $(cat out/np$np/avg.csv)"
done
sed 's/^column = x/colum = x/' job.ini > typo.ini
set +e
"$KOHORT_EXAMPLE" run typo.ini 2> typo.err; rc=$?
set -e
[[ $rc -eq 2 ]] && grep -qF "did you mean 'column'?" typo.err || fail "misspelt key: exit $rc, $(cat typo.err)"
echo "ok: kind = mean gives 5.5 at 1 and 2 ranks; kohort kinds mean; a misspelt key is refused"
