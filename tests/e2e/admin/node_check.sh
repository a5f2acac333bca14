#!/usr/bin/env bash
# kohort node-check (issue 15): started on its own it launches 2 local ranks, checks MPI and
# parallel HDF5, prints the memory bandwidth, the model pass at each ranks x threads split, the
# allreduce figures, a recommendation and a configuration snippet, all within a minute. It also
# reads an existing store, and refuses a --store that is neither a store nor a folder (exit 2).
set -euo pipefail
tmp="$KOHORT_TEST_TMP"; rm -rf "$tmp"; mkdir -p "$tmp"; cd "$tmp"
export TMPDIR="$tmp"

"$KOHORT" node-check --help | grep -q "Usage: kohort node-check"
start=$(date +%s.%N)
"$KOHORT" node-check --ranks 2 > out.txt 2> err.txt || { cat out.txt err.txt; echo "FAIL: node-check failed"; exit 1; }
took=$(echo "$(date +%s.%N) - $start" | bc)
cat out.txt
echo "wall time: $took s"
(( $(echo "$took < 60" | bc) )) || { echo "FAIL: node-check took $took s, more than a minute"; exit 1; }

need() { grep -Eq "$1" out.txt || { echo "FAIL: no line matching: $1"; exit 1; }; }
need "^  MPI +ok: 2 rank\(s\) started"
need "^  parallel HDF5 +ok: wrote a test store .* read table 'population' \([1-9][0-9]* rows, [0-9.]+ MB\) on 2 rank"
need "^  memory +STREAM triad [0-9]*[1-9][0-9]*\.[0-9] GB/s per node"
need "^ +1 x [0-9]+ +[0-9]+\.[0-9]+"
need "^ +2 x [0-9]+ +[0-9]+\.[0-9]+"
need "^  allreduce +latency [0-9.]+ us .* [0-9.]+ GB/s algorithm bandwidth"
need "^Recommendation: [12] rank\(s\) per node x [0-9]+ thread\(s\) per rank"
need "^\[slurm\]$"
need "^ntasks-per-node = [12]$"
need "^cpus-per-task += [0-9]+$"
need "^threads += [0-9]+$"
# The snippet agrees with the recommendation.
r=$(sed -n 's/^Recommendation: \([0-9]*\) rank.* x \([0-9]*\) thread.*/\1 \2/p' out.txt)
s=$(sed -n 's/^ntasks-per-node = //p' out.txt) ; c=$(sed -n 's/^cpus-per-task *= //p' out.txt)
[[ "$r" == "$s $c" ]] || { echo "FAIL: recommendation '$r' but snippet '$s $c'"; exit 1; }
ls "$tmp"/kohort-node-check-*.h5 2>/dev/null && { echo "FAIL: the test store was left behind"; exit 1; }

# An existing store is read, not written.
"$KOHORT" synth --persons 3000 --seed 5 --out s.h5 >/dev/null 2>&1
"$KOHORT" node-check --ranks 2 --store "$tmp/s.h5" --rows 20000 > out2.txt 2>/dev/null
grep -Eq "parallel HDF5 +ok: read $tmp/s.h5; read table 'population' \(3000 rows" out2.txt || { cat out2.txt; echo "FAIL: store not read"; exit 1; }

set +e
"$KOHORT" node-check --store "$tmp/nowhere/x.h5" > out3.txt 2> err3.txt; rc=$?
set -e
[[ $rc -eq 2 ]] && grep -q "nowhere/x.h5" err3.txt || { cat err3.txt; echo "FAIL: a bad --store gave exit $rc"; exit 1; }
echo "PASS"
