#!/usr/bin/env bash
# Compares a bench/run.sh result with a baseline (contract section 10).
#
#   bench/compare.sh BASELINE.json CURRENT.json
#
# Exit 0: every instruction count is within its threshold of the baseline's (or the counting
#         configuration differs from the baseline's, which is reported, not failed: counts from a
#         different compiler, flags, -march or library build are not comparable).
# Exit 1: at least one benchmark's instruction count grew by more than its threshold; each is
#         named on stdout as "REGRESSION name: ...".
# Exit 2: a file is missing or is not a benchmark result.
# A count that fell by more than its threshold is reported as IMPROVED: commit the new result as
# the baseline in the same commit (bench/baseline/README.md).
# The threshold is the baseline's (committed and reviewed), else the current run's, else 0.03.
set -euo pipefail
if [[ $# -ne 2 ]]; then
  echo "usage: bench/compare.sh BASELINE.json CURRENT.json" >&2
  exit 2
fi
for f in "$1" "$2"; do
  if ! jq -e '.machine.count_config and (.benchmarks | type == "array")' "$f" >/dev/null 2>&1; then
    echo "compare: $f is not a bench/run.sh result (expected machine.count_config and a benchmarks array)" >&2
    exit 2
  fi
done

# Configuration: every field of count_config must agree.
mismatch=$(jq -r -n --slurpfile b "$1" --slurpfile c "$2" '
  ($b[0].machine.count_config) as $bc | ($c[0].machine.count_config) as $cc
  | ([$bc, $cc] | map(keys) | add | unique)[] as $k
  | select($bc[$k] != $cc[$k])
  | "  \($k): baseline \($bc[$k] | tojson), this run \($cc[$k] | tojson)"')
if [[ -n "$mismatch" ]]; then
  echo "CONFIG MISMATCH: this run's counting configuration differs from the baseline's ($1);"
  echo "instruction counts are not compared (not a failure):"
  echo "$mismatch"
  exit 0
fi

report=$(jq -r -n --slurpfile b "$1" --slurpfile c "$2" '
  ($b[0].benchmarks | map({(.name): .}) | add // {}) as $base
  | ($c[0].benchmarks | map(.name)) as $names
  | ($c[0].benchmarks[] as $r
     | $base[$r.name] as $o
     | if $o == null then "NEW \($r.name): \($r.instructions) instructions, no baseline"
       else (($o.threshold // $r.threshold // 0.03)) as $t
         | ($r.instructions / $o.instructions - 1) as $d
         | (if $d > $t then "REGRESSION" elif $d < -$t then "IMPROVED" else "ok" end) as $s
         | "\($s) \($r.name): \($r.instructions) instructions vs \($o.instructions) in the baseline"
           + " (\(if $d >= 0 then "+" else "" end)\($d * 100000 | round / 1000)%, threshold \($t * 100)%)"
       end),
    ($base | keys[] | select(. as $n | $names | index($n) | not) | "MISSING \(.): in the baseline, not run")')
echo "$report"
if grep -q '^REGRESSION' <<<"$report"; then
  echo "FAIL: instruction count grew beyond its threshold in: $(grep '^REGRESSION' <<<"$report" | cut -d' ' -f2 | tr -d ':' | paste -sd' ')"
  exit 1
fi
if grep -q '^IMPROVED' <<<"$report"; then
  echo "Counts fell beyond their threshold: commit this result as the new baseline in the same commit."
fi
exit 0
