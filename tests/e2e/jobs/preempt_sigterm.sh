#!/usr/bin/env bash
# Preemption under mpirun (contract section 9, issue 13 point 1): SIGTERM to a running 2-rank job
# stops it at a safe point with nothing released and its completed models checkpointed; the rerun
# resumes (job.log says so), fits only the rest, and releases results identical to an
# uninterrupted run's; the checkpoint is then gone. A checkpoint of another job file, another store
# file or another release policy is discarded.
set -euo pipefail
tmp="$KOHORT_TEST_TMP"; rm -rf "$tmp"; mkdir -p "$tmp"; cd "$tmp"
fail() { echo "FAIL: $*"; exit 1; }
export KOHORT_AUDIT_LOG="$tmp/audit.jsonl"
# Under a disclosure policy, so disclosure.json has withheld and coarsened values to restore: a
# resumed run must record those of its restored models too (compared byte for byte below).
printf '[disclosure]\npolicy = sds\n' > site.ini
export KOHORT_SITE_CONFIG="$tmp/site.ini"
job="$KOHORT_SOURCE_DIR/jobs/demo_statin_mi.ini"
mpi() { $KOHORT_MPIEXEC $KOHORT_MPIEXEC_FLAGS -np 2 "$KOHORT" "$@"; }
models() { ls "$1" 2>/dev/null | grep -c '^model-.*\.json$' || true; }

"$KOHORT" synth --persons 20000 --seed 11 --out s.h5 > /dev/null 2>&1
sets=(--set "job.store=$tmp/s.h5")
mpi run "$job" "${sets[@]}" --set job.output=out/reference -q > /dev/null

# Interrupted run: each fitted model is followed by a 2 s pause (a test hook that changes nothing
# else), so the signal lands mid-job; it is sent once two models are in the checkpoint.
ckpt=out/.resumed.checkpoint
# Started directly (not through the function), so $! is mpirun, whose children are the ranks.
KOHORT_DEBUG_SLOW_MODELS=2 $KOHORT_MPIEXEC $KOHORT_MPIEXEC_FLAGS -np 2 "$KOHORT" run "$job" "${sets[@]}" \
    --set job.output=out/resumed -q 2> stopped.err &
launcher=$!
for _ in $(seq 1 600); do (( $(models $ckpt) >= 2 )) && break; kill -0 $launcher 2>/dev/null || break; sleep 0.1; done
(( $(models $ckpt) >= 2 )) || fail "no checkpointed models while the job ran: $(cat stopped.err)"
# As Slurm does on preemption: SIGTERM to every rank of the job.
ranks=$(pgrep -P $launcher -f "kohort run" || true)
[[ -n "$ranks" ]] || fail "no kohort ranks under mpirun $launcher"
kill -TERM $ranks
set +e; wait $launcher; rc=$?; set -e
[[ $rc -eq 143 ]] || fail "stopped job: exit $rc, expected 143; $(cat stopped.err)"
grep -q "stopped by SIGTERM at a safe point" stopped.err || fail "stop message: $(cat stopped.err)"
[[ ! -e out/resumed ]] || fail "the stopped job released an output folder"
kept=$(models $ckpt)
total=$(grep -c '^\[model\.' "$job")
(( kept >= 2 && kept < total )) || fail "checkpoint holds $kept of $total models"
grep -q '"status":"preempted"' audit.jsonl || fail "no audit record of the preempted run"
echo "stopped with $kept of $total models in the checkpoint"

# Rerun: resumes, and releases what the uninterrupted run released.
mpi run "$job" "${sets[@]}" --set job.output=out/resumed -q > /dev/null 2> resumed.err || fail "rerun: $(cat resumed.err)"
grep -q "resuming from the checkpoint .*: $kept model(s) completed" out/resumed/job.log || fail "job.log: no resume line"
[[ $(grep -c "restored from the checkpoint" out/resumed/job.log) -eq $kept ]] || fail "job.log: restored models"
[[ ! -e $ckpt ]] || fail "the checkpoint outlived the committed output"
normalised() {  # results.json without timings and resource use
    /usr/bin/python3 - "$1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1], encoding="utf-8"))
def clean(x):
    if isinstance(x, dict):
        return {k: clean(v) for k, v in x.items()
                if k != "seconds" and not k.endswith("_seconds") and not k.endswith("_per_second")
                and not k.startswith("peak_rss")
                and k != "bytes_per_iteration"}
    if isinstance(x, list):
        return [clean(v) for v in x]
    return x
r["job"] = {"name": r["job"]["name"]}
print(json.dumps(clean(r), sort_keys=True, indent=1))
PY
}
diff <(normalised out/reference/results.json) <(normalised out/resumed/results.json) > diff.txt ||
    fail "resumed results differ from the uninterrupted run: $(head -20 diff.txt)"
for f in out/reference/*; do
    name=$(basename "$f")
    # job.log and report.html (which shows job.log's lines and the timings) say the run resumed.
    [[ $name == job.log || $name == report.html || $name == results.json ]] && continue
    cmp -s "$f" "out/resumed/$name" || fail "$name differs from the uninterrupted run"
done
coarsened=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["coarsened"])' out/reference/disclosure.json)
(( coarsened > 0 )) || fail "disclosure.json records nothing coarsened under sds; the comparison above proves nothing"
echo "resumed results equal the uninterrupted run's (disclosure.json too: $coarsened coarsened values)"

# SIGTERM to mpirun itself: Open MPI forwards it to the ranks, which stop at a safe point (mpirun
# then exits non-zero); the rerun resumes and again equals the uninterrupted run.
KOHORT_DEBUG_SLOW_MODELS=2 $KOHORT_MPIEXEC $KOHORT_MPIEXEC_FLAGS -np 2 "$KOHORT" run "$job" "${sets[@]}" \
    --set job.output=out/via_mpirun -q 2> via_mpirun.err &
launcher=$!
for _ in $(seq 1 600); do (( $(models out/.via_mpirun.checkpoint) >= 1 )) && break; sleep 0.1; done
kill -TERM $launcher
set +e; wait $launcher; rc=$?; set -e
[[ $rc -ne 0 ]] || fail "SIGTERM to mpirun: exit 0"
[[ ! -e out/via_mpirun ]] || fail "SIGTERM to mpirun: output released"
(( $(models out/.via_mpirun.checkpoint) >= 1 )) || fail "SIGTERM to mpirun: no checkpoint kept; $(cat via_mpirun.err)"
mpi run "$job" "${sets[@]}" --set job.output=out/via_mpirun -q > /dev/null 2>&1 || fail "rerun after SIGTERM to mpirun"
grep -q "resuming from the checkpoint" out/via_mpirun/job.log || fail "SIGTERM to mpirun: the rerun did not resume"
diff <(normalised out/reference/results.json) <(normalised out/via_mpirun/results.json) > diff.txt ||
    fail "results after SIGTERM to mpirun differ: $(head -20 diff.txt)"
echo "SIGTERM to mpirun: resumed, results equal"

# A checkpoint made by another job file (here: another --set) is discarded, not used.
KOHORT_DEBUG_SLOW_MODELS=2 $KOHORT_MPIEXEC $KOHORT_MPIEXEC_FLAGS -np 2 "$KOHORT" run "$job" "${sets[@]}" \
    --set job.output=out/other -q 2>/dev/null &
launcher=$!
for _ in $(seq 1 600); do (( $(models out/.other.checkpoint) >= 1 )) && break; sleep 0.1; done
kill -TERM $(pgrep -P $launcher -f "kohort run") 2>/dev/null || true
set +e; wait $launcher; set -e
(( $(models out/.other.checkpoint) >= 1 )) || fail "no checkpoint for the changed-job case"
mpi run "$job" "${sets[@]}" --set job.output=out/other --set model.cox_mi.ties=breslow -q > /dev/null 2>&1 ||
    fail "changed job rerun failed"
grep -q "discarding the checkpoint" out/other/job.log || fail "a checkpoint of another job file was not discarded"
if grep -q "restored from the checkpoint" out/other/job.log; then fail "restored models of another job file"; fi
echo "another job file: checkpoint discarded"

# The key names the store file by its identity (inode, size, modification and change times), not
# by its contents: a store written again, even with the same persons and byte for byte the same
# contents, and a tightened release policy, each discard a checkpoint.
stop_after_one() {  # stop_after_one OUTPUT: a run stopped with at least one model in its checkpoint
  KOHORT_DEBUG_SLOW_MODELS=2 $KOHORT_MPIEXEC $KOHORT_MPIEXEC_FLAGS -np 2 "$KOHORT" run "$job" "${sets[@]}" \
      --set job.output="out/$1" -q 2>/dev/null &
  launcher=$!
  for _ in $(seq 1 600); do (( $(models "out/.$1.checkpoint") >= 1 )) && break; sleep 0.1; done
  kill -TERM $(pgrep -P $launcher -f "kohort run") 2>/dev/null || true
  set +e; wait $launcher; set -e
  (( $(models "out/.$1.checkpoint") >= 1 )) || fail "no checkpoint for the $1 case"
}
stop_after_one restore
cp -p s.h5 s_copy.h5 && mv s_copy.h5 s.h5  # same bytes and mtime, another inode and change time
mpi run "$job" "${sets[@]}" --set job.output=out/restore -q > /dev/null 2>&1 || fail "rerun on the rewritten store failed"
grep -q "discarding the checkpoint" out/restore/job.log || fail "a checkpoint made on another store file was used"
if grep -q "restored from the checkpoint" out/restore/job.log; then fail "restored models after the store was rewritten"; fi
echo "store rewritten: checkpoint discarded"
stop_after_one repolicy
printf '[disclosure]\npolicy = sds\nmin_count = 11\n' > site.ini
mpi run "$job" "${sets[@]}" --set job.output=out/repolicy -q > /dev/null 2>&1 || fail "rerun under the new policy failed"
grep -q "discarding the checkpoint" out/repolicy/job.log || fail "a checkpoint made under another release policy was used"
if grep -q "restored from the checkpoint" out/repolicy/job.log; then fail "restored models made under another policy"; fi
echo "release policy changed: checkpoint discarded"
echo PASS
