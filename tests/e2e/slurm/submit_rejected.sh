#!/usr/bin/env bash
# Resources the local Slurm cannot give: sbatch's refusal reaches the user with a non-zero exit,
# and nothing is left in the queue or on disk.
source "$(dirname "$0")/lib.sh"
fresh_tmp
ensure_cluster

cat >job.ini <<'EOF'
[job]
name   = rejected
store  = cohort.h5
output = out/rejected

[model.s]
kind  = summary
table = population
EOF

before="$(squeue -h -o %i | sort)"
reject() {  # $1 = text of sbatch's message, rest = flags
    local text="$1"; shift
    set +e
    "$KOHORT" submit job.ini "$@" >out.txt 2>err.txt
    local rc=$?
    set -e
    [[ $rc -ne 0 ]] || { cat out.txt >&2; fail "kohort submit $* was accepted"; }
    [[ $rc -eq 2 ]] || { cat err.txt >&2; fail "kohort submit $* exited $rc, expected 2"; }
    grep -q "sbatch refused the job" err.txt || { cat err.txt >&2; fail "no 'sbatch refused' for $*"; }
    grep -qF -- "$text" err.txt || { cat err.txt >&2; fail "sbatch's own message ('$text') not relayed for $*"; }
    [[ ! -s out.txt ]] || { cat out.txt >&2; fail "a job id was printed for a refused job"; }
}

note "unknown partition"
reject "Invalid partition name specified" --partition no_such_partition
note "more memory than the node has"
reject "Requested node configuration is not available" --mem 100000000M
note "more CPUs per task than the node has"
reject "More processors requested than permitted" --cpus-per-task 4096
note "malformed time limit"
reject "Invalid --time specification" --time 1:2:3:4:5

[[ "$(squeue -h -o %i | sort)" == "$before" ]] || fail "a refused submit left a job in the queue"
[[ ! -e out ]] || { find out >&2; fail "a refused submit left $KOHORT_TEST_TMP/out behind"; }
echo "PASS"
