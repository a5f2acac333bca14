#!/usr/bin/env bash
# A job whose input is bad (a column the table lacks) is accepted by sbatch, fails at run time,
# and Slurm records FAILED with kohort's exit code; the error is in the job's log and no output
# folder appears.
source "$(dirname "$0")/lib.sh"
fresh_tmp
ensure_cluster

"$KOHORT" synth --persons 2000 --seed 5 --out cohort.h5 >/dev/null

cat >job.ini <<'EOF'
[job]
name   = bad_column
store  = cohort.h5
output = out/failed

[model.s]
kind    = summary
table   = population
columns = birth_date, no_such_column
EOF

for layout in "1 1" "2 1"; do
    read -r tasks cpus <<<"$layout"
    note "bad input at $tasks rank(s)"
    id="$("$KOHORT" submit job.ini --ntasks-per-node "$tasks" --cpus-per-task "$cpus" --time 5:00)"
    [[ "$id" =~ ^[0-9]+$ ]] || fail "kohort submit printed '$id', expected a job id"
    st="$(wait_job "$id" 300)"
    log="out/slurm-logs/bad_column-$id"
    [[ "$st" == FAILED ]] || { cat "$log.out" "$log.err" >&2 || true; fail "job $id ended $st, expected FAILED"; }
    # kohort exits 2 for bad input; Slurm shows it as ExitCode=2:0 (exit code:signal).
    code="$(job_exit_code "$id")"
    [[ "$code" == "2:0" ]] || { cat "$log.err" >&2; fail "job $id ExitCode=$code, expected 2:0"; }
    scontrol show job "$id" | grep -q "JobState=FAILED Reason=NonZeroExitCode" ||
        fail "scontrol does not show JobState=FAILED Reason=NonZeroExitCode for job $id"
    grep -q "no_such_column" "$log.err" || { cat "$log.out" "$log.err" >&2; fail "the error is not in $log.err"; }
    grep -q "exit code 2" "$log.out" || { cat "$log.out" >&2; fail "no exit code line in $log.out"; }
    # The completion record (JobCompType=jobcomp/filetxt; sacct needs a database we do not run).
    comp="$(dirname "$SLURM_CONF")/log/jobcomp.txt"
    grep -E "^JobId=$id .*JobState=FAILED .*ExitCode=2:0" "$comp" >/dev/null ||
        fail "job $id has no FAILED ExitCode=2:0 record in $comp"
    [[ ! -e out/failed ]] || fail "a failed job created its output folder out/failed"
    extra="$(ls -A out | grep -v '^slurm-logs$' || true)"
    [[ -z "$extra" ]] || fail "a failed job left '$extra' in out/"
done
echo "PASS"
