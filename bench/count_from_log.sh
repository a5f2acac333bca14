#!/usr/bin/env bash
# count_from_log.sh LOG: the instruction count ("I refs") of the process valgrind was started on,
# from a cachegrind log written with --log-file. A process that process forks without exec (kohort's
# store structure probe, src/store/child_probe.hpp) stays under valgrind and appends its own
# "==PID== I refs:" line to the same log; only the launched process's line counts, the PID on the
# log's first line. Prints the count, or nothing (exit 1) when the log has none.
set -euo pipefail
[[ $# == 1 ]] || { echo "usage: count_from_log.sh LOG" >&2; exit 2; }
n=$(awk 'NR == 1 { pid = $1 } $1 == pid && /I *refs:/ { gsub(",", "", $NF); print $NF }' "$1")
[[ $n =~ ^[0-9]+$ ]] || exit 1
echo "$n"
