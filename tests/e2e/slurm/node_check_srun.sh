#!/usr/bin/env bash
# kohort node-check started by Slurm (issue 15): under `srun -n 2` it measures on the two ranks Slurm
# gave it (it launches nothing itself), writes and reads a test store on the given file system
# through parallel HDF5, and prints its figures and a recommendation within a minute.
source "$(dirname "$0")/lib.sh"
fresh_tmp
ensure_cluster
export OMPI_MCA_rmaps_base_oversubscribe=1
mkdir scratch

start=$SECONDS
timeout 120 srun --mpi=pmix -n 2 -t 2 "$KOHORT" node-check --store "$PWD/scratch" >out.txt 2>err.txt \
    || { cat out.txt err.txt >&2; fail "srun -n 2 kohort node-check failed"; }
took=$(( SECONDS - start ))
cat out.txt
echo "srun wall time: ${took} s"
(( took < 60 )) || fail "node-check under srun took ${took} s, more than a minute"

need() { grep -Eq "$1" out.txt || { cat err.txt >&2; fail "no line matching: $1"; }; }
need "^kohort node-check: 2 rank\(s\) on 1 node\(s\)"
need "^  MPI +ok: 2 rank\(s\) started and joined a collective"
need "^  parallel HDF5 +ok: wrote a test store .* read table 'population' \([1-9][0-9]* rows, [0-9.]+ MB\) on 2 rank"
need "^  allreduce +latency [0-9.]+ us .* \(2 rank\(s\)\)"
need "^Recommendation: [12] rank\(s\) per node x [0-9]+ thread\(s\) per rank"
! grep -q "^kohort node-check: mpirun" out.txt err.txt || fail "node-check launched mpirun under srun instead of using Slurm's ranks"
[[ -z "$(ls -A scratch)" ]] || fail "the test store was left in scratch/: $(ls scratch)"
echo PASS
