# Sourced by bench scripts: run one kohort job REPEATS times under mpirun and report the best and
# median wall time (mpirun start to exit) and the peak RSS of any rank.
#
#   timed_kohort_runs JOB.ini OUTPUT_DIR LOG LABEL
# Needs KOHORT, MPIEXEC, MPIFLAGS, RANKS, THREADS, REPEATS. Prints per-run lines on stderr and
# "BEST MEDIAN PEAK_RSS_KB" on stdout. The last run's log and output folder are left for parsing.
timed_kohort_runs() {
  local job=$1 out=$2 log=$3 label=$4 runs=() rep t0 t1
  for rep in $(seq 1 "$REPEATS"); do
    rm -rf "$out"
    t0=$(date +%s.%N)
    OMP_NUM_THREADS=$THREADS $MPIEXEC $MPIFLAGS -np "$RANKS" /usr/bin/time -f "PEAK_RSS_KB %M" \
      "$KOHORT" run "$job" > "$log" 2>&1
    t1=$(date +%s.%N)
    runs+=("$(echo "$t1 - $t0" | bc)")
    echo "$label run $rep: ${runs[-1]} s (mpirun start to exit)" >&2
  done
  local best median peak
  best=$(printf '%s\n' "${runs[@]}" | sort -n | head -1)
  median=$(printf '%s\n' "${runs[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  peak=$(grep PEAK_RSS_KB "$log" | awk '{print $2}' | sort -n | tail -1)
  echo "$best $median $peak"
}
