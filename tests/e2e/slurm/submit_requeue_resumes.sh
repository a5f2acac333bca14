#!/usr/bin/env bash
# Preemption and requeue through the real local Slurm (contract section 9, issue 13 point 1):
# `scontrol requeue` a running `kohort submit` job; Slurm stops it with SIGTERM, the job keeps its
# completed models in the checkpoint, the requeued run resumes from them (job.log says so), and
# its results equal an uninterrupted mpirun run's.
source "$(dirname "$0")/lib.sh"
fresh_tmp
ensure_cluster
export KOHORT_AUDIT_LOG="$KOHORT_TEST_TMP/audit.jsonl"
job="$KOHORT_SOURCE_DIR/jobs/demo_statin_mi.ini"
models() { ls "$1" 2>/dev/null | grep -c '^model-.*\.json$' || true; }

"$KOHORT" synth --persons 20000 --seed 11 --out cohort.h5 >/dev/null 2>&1
note "reference: mpirun -np 2 kohort run, uninterrupted"
# shellcheck disable=SC2086
"${KOHORT_MPIEXEC:-mpirun}" ${KOHORT_MPIEXEC_FLAGS:-} -np 2 "$KOHORT" run "$job" --set "job.store=$PWD/cohort.h5" \
    --set job.output=out/reference --quiet >/dev/null

# Each fitted model is followed by a 3 s pause (a test hook that changes nothing else, passed to the
# job through sbatch's exported environment), so the requeue lands mid-job.
note "kohort submit, then scontrol requeue once two models are checkpointed"
id="$(KOHORT_DEBUG_SLOW_MODELS=3 "$KOHORT" submit "$job" --set "job.store=$PWD/cohort.h5" \
    --set job.output=out/requeued --nodes 1 --ntasks-per-node 2 --cpus-per-task 1 --time 10:00)"
[[ "$id" =~ ^[0-9]+$ ]] || fail "kohort submit printed '$id', expected a job id"
wait_running "$id" 180
ckpt=out/.requeued.checkpoint
start=$SECONDS
until (( $(models $ckpt) >= 2 )); do
    st="$(job_state "$id")"
    [[ "$st" == RUNNING ]] || fail "job $id is $st before two models were checkpointed"
    (( SECONDS - start > 300 )) && { scancel "$id"; fail "no checkpointed models after 300 s"; }
    sleep 0.2
done
scontrol requeue "$id" || fail "scontrol requeue $id failed"
note "requeued job $id with $(models $ckpt) model(s) checkpointed"

st="$(wait_job "$id" 480)"
log="out/slurm-logs/demo_statin_mi-$id"
if [[ "$st" != COMPLETED ]]; then
    cat "$log.out" "$log.err" >&2 || true
    fail "requeued job $id ended $st"
fi
restarts="$(scontrol show job "$id" | sed -n 's/.*Restarts=\([0-9]*\).*/\1/p' | head -1)"
(( ${restarts:-0} >= 1 )) || fail "job $id shows Restarts=${restarts:-?}; it was not requeued"
[[ $(grep -c "^kohort: job $id " "$log.out") -ge 2 ]] || { cat "$log.out" >&2; fail "the log does not show two runs"; }
grep -q "resuming from the checkpoint" out/requeued/job.log || fail "job.log of the requeued run does not say it resumed"
restored=$(grep -c "restored from the checkpoint" out/requeued/job.log || true)
(( restored >= 2 )) || fail "only $restored model(s) restored"
[[ ! -e $ckpt ]] || fail "the checkpoint outlived the committed output"
grep -q '"status":"preempted"' "$KOHORT_AUDIT_LOG" || fail "no audit record of the stopped run"

normalised_results out/reference/results.json >ref.json
normalised_results out/requeued/results.json >requeued.json
diff -u ref.json requeued.json >&2 || fail "results.json of the requeued job differs from the uninterrupted run's"
for f in out/reference/*.csv out/reference/*.svg; do
    cmp -s "$f" "out/requeued/$(basename "$f")" || fail "$(basename "$f") differs from the uninterrupted run's"
done
echo "PASS (requeued once, $restored model(s) restored, results equal the uninterrupted run's)"
