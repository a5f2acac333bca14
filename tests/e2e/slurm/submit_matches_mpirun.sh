#!/usr/bin/env bash
# The same job through `kohort submit` at 2 ranks x 1 thread and 1 rank x 2 threads gives the
# same results.json numbers as `kohort run` under mpirun, and the layout asked for is the one
# the job ran with.
source "$(dirname "$0")/lib.sh"
fresh_tmp
ensure_cluster

"$KOHORT" synth --persons 20000 --seed 11 --out cohort.h5 >/dev/null

cat >job.ini <<'EOF'
[job]
name   = slurm_equivalence
store  = cohort.h5
output = out/mpirun

[model.people]
kind    = summary
table   = population
columns = birth_date, death_date, emigration_date

[model.by_region]
kind  = table
table = population
by    = sex, region

[model.doses]
kind    = summary
table   = prescriptions
columns = ddd, date
EOF

note "reference: mpirun -np 2 kohort run"
# shellcheck disable=SC2086
"${KOHORT_MPIEXEC:-mpirun}" ${KOHORT_MPIEXEC_FLAGS:-} -np 2 "$KOHORT" run job.ini --quiet >/dev/null
[[ -f out/mpirun/results.json ]] || fail "mpirun run wrote no results.json"

submit_and_wait() {  # $1 = output name, rest = submit flags
    local name="$1"; shift
    local id
    id="$("$KOHORT" submit job.ini --set "job.output=out/$name" --time 10:00 "$@")"
    [[ "$id" =~ ^[0-9]+$ ]] || fail "kohort submit printed '$id', expected a job id"
    local st; st="$(wait_job "$id" 300)"
    local log="out/slurm-logs/slurm_equivalence-$id"
    if [[ "$st" != COMPLETED ]]; then
        cat "$log.out" "$log.err" >&2 || true
        fail "job $id ($name) ended $st, exit $(job_exit_code "$id")"
    fi
    [[ "$(job_exit_code "$id")" == "0:0" ]] || fail "job $id ExitCode $(job_exit_code "$id"), expected 0:0"
    [[ -f out/$name/results.json ]] || fail "job $id wrote no out/$name/results.json"
    grep -q "kohort: finished .* with exit code 0" "$log.out" || { cat "$log.out" >&2; fail "no completion line in $log.out"; }
    [[ -f out/slurm-logs/slurm_equivalence-$id.sbatch ]] || fail "the submitted script was not kept beside the logs"
    echo "$id"
}

note "kohort submit: 2 ranks x 1 thread"
id_a="$(submit_and_wait ranks2 --nodes 1 --ntasks-per-node 2 --cpus-per-task 1)"
note "kohort submit: 1 rank x 2 threads"
id_b="$(submit_and_wait threads2 --nodes 1 --ntasks-per-node 1 --cpus-per-task 2)"

layout() {  # prints "ranks threads" from a results.json
    Rscript -e 'r <- jsonlite::fromJSON(commandArgs(TRUE)[1]); cat(r$job$ranks, r$job$threads_per_rank, "\n")' "$1"
}
[[ "$(layout out/mpirun/results.json)" == "2 1 " ]] || fail "mpirun layout: $(layout out/mpirun/results.json)"
[[ "$(layout out/ranks2/results.json)" == "2 1 " ]] || fail "job $id_a ran as $(layout out/ranks2/results.json), expected 2 ranks x 1 thread"
[[ "$(layout out/threads2/results.json)" == "1 2 " ]] || fail "job $id_b ran as $(layout out/threads2/results.json), expected 1 rank x 2 threads"

normalised_results out/mpirun/results.json >ref.json
for name in ranks2 threads2; do
    normalised_results "out/$name/results.json" >"$name.json"
    diff -u ref.json "$name.json" >&2 || fail "results.json of the $name Slurm job differs from mpirun's"
done
for f in out/mpirun/*.csv; do
    cmp -s "$f" "out/ranks2/$(basename "$f")" || fail "$(basename "$f") differs between mpirun and the 2-rank Slurm job"
done
echo "PASS"
