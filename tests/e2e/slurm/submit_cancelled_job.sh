#!/usr/bin/env bash
# A job that Slurm cancels while kohort is computing leaves no output folder and no partial files,
# and no kohort process outlives the job.
source "$(dirname "$0")/lib.sh"
fresh_tmp
ensure_cluster

persons="${KOHORT_SLURM_CANCEL_PERSONS:-200000}"
"$KOHORT" synth --persons "$persons" --seed 3 --out cohort.h5 >/dev/null

# Many models over the prescriptions table (about 20 rows per person): long enough to be
# cancelled in the middle, whatever the machine.
{
    printf '[job]\nname = long_job\nstore = cohort.h5\noutput = out/cancelled\n'
    for i in $(seq 1 400); do
        printf '\n[model.m%d]\nkind = summary\ntable = prescriptions\ncolumns = ddd, date\n' "$i"
    done
} >job.ini

id="$("$KOHORT" submit job.ini --ntasks-per-node 2 --time 20:00)"
[[ "$id" =~ ^[0-9]+$ ]] || fail "kohort submit printed '$id', expected a job id"
log="out/slurm-logs/long_job-$id"
wait_running "$id" 120

# Cancel once kohort has loaded the data and is fitting models.
start=$SECONDS
until grep -q "model 'm2'" "$log.err" 2>/dev/null; do
    [[ "$(job_state "$id")" == RUNNING ]] || { cat "$log.out" "$log.err" >&2; fail "job $id ended before it could be cancelled"; }
    (( SECONDS - start > 180 )) && { scancel "$id"; fail "job $id did not reach its models within 180 s"; }
    sleep 0.5
done
[[ "$(job_state "$id")" == RUNNING ]] || fail "job $id finished before it could be cancelled; raise KOHORT_SLURM_CANCEL_PERSONS"
scancel "$id"
st="$(wait_job "$id" 120)"
[[ "$st" == CANCELLED ]] || { cat "$log.out" "$log.err" >&2; fail "job $id ended $st after scancel, expected CANCELLED"; }

[[ ! -e out/cancelled ]] || { find out/cancelled >&2; fail "the cancelled job left its output folder"; }
# The checkpoint of completed models stays, by design (contract section 9, docs/jobs.md); nothing
# else may, in particular no staged output folder.
extra="$(ls -A out | grep -v '^slurm-logs$' | grep -v '^\.cancelled\.checkpoint$' || true)"
[[ -z "$extra" ]] || fail "the cancelled job left '$extra' in out/"
# Slurm kills the job steps; no rank may survive and write later.
job_abs="$(pwd -P)/job.ini"
for _ in $(seq 1 30); do
    pgrep -f "kohort run $job_abs" >/dev/null || break
    sleep 1
done
if pgrep -af "kohort run $job_abs" >&2; then fail "kohort ranks of job $id outlived scancel"; fi
sleep 2
[[ ! -e out/cancelled ]] || fail "output appeared after the job was cancelled"
echo "PASS"
