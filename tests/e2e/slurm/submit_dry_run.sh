#!/usr/bin/env bash
# kohort submit without a cluster: the rendered script, flag precedence over [slurm], and the
# bad-input cases that must fail before anything reaches Slurm.
source "$(dirname "$0")/lib.sh"
fresh_tmp
tmp="$(pwd -P)"
kohort_real="$(readlink -f "$KOHORT")"

cat >job.ini <<'EOF'
[job]
name   = dry run     ; a space: the Slurm job name must become dry_run
store  = cohort.h5   ; need not exist for a dry run
output = out/dry

[model.s]
kind  = summary
table = population

[slurm]
nodes           = 1
ntasks-per-node = 2
time            = 0:10:00
partition       = debug
EOF

expect_line() {  # $1 = script, $2 = exact line
    grep -qxF -- "$2" <<<"$1" || { echo "$1" >&2; fail "line not in the script: $2"; }
}

note "[slurm] section alone"
s="$("$KOHORT" submit job.ini --dry-run)"
expect_line "$s" "#!/bin/bash"
expect_line "$s" "#SBATCH --job-name=dry_run"
expect_line "$s" "#SBATCH --nodes=1"
expect_line "$s" "#SBATCH --ntasks-per-node=2"
expect_line "$s" "#SBATCH --cpus-per-task=1"
expect_line "$s" "#SBATCH --time=0:10:00"
expect_line "$s" "#SBATCH --partition=debug"
expect_line "$s" "#SBATCH --chdir=$tmp"
expect_line "$s" "#SBATCH --output=$tmp/out/slurm-logs/%x-%j.out"
expect_line "$s" "#SBATCH --error=$tmp/out/slurm-logs/%x-%j.err"
expect_line "$s" 'export OMP_NUM_THREADS=${SLURM_CPUS_PER_TASK:-1}'
expect_line "$s" "srun --mpi=pmix --cpu-bind=cores '$kohort_real' run '$tmp/job.ini' "
expect_line "$s" 'exit ${status}'
grep -q 'OMP_PLACES' <<<"$s" || fail "no OMP_PLACES in the script"
grep -q 'OMP_PROC_BIND' <<<"$s" || fail "no OMP_PROC_BIND in the script"
if grep -q -- '--mem' <<<"$s"; then fail "--mem rendered although neither flag nor [slurm] set it"; fi
if grep -qE '@[A-Z_]+@' <<<"$s"; then fail "unfilled placeholder in the script"; fi
bash -n <<<"$s" || fail "the rendered script is not valid bash"
[[ ! -e out ]] || fail "--dry-run created $tmp/out"

note "flags win over [slurm]; --set is passed on to kohort run"
s="$("$KOHORT" submit job.ini --dry-run --ntasks-per-node 1 --cpus-per-task 2 --time 5:00 --mem 1G \
      --log-dir logs --set job.output=out/other)"
expect_line "$s" "#SBATCH --ntasks-per-node=1"
expect_line "$s" "#SBATCH --cpus-per-task=2"
expect_line "$s" "#SBATCH --time=5:00"
expect_line "$s" "#SBATCH --mem=1G"
expect_line "$s" "#SBATCH --partition=debug"
expect_line "$s" "#SBATCH --output=$tmp/logs/%x-%j.out"
expect_line "$s" "srun --mpi=pmix --cpu-bind=cores '$kohort_real' run '$tmp/job.ini' '--set' 'job.output=out/other'"

note "--help"
"$KOHORT" submit --help | grep -q -- '--ntasks-per-node' || fail "kohort submit --help lacks --ntasks-per-node"

expect_error() {  # $1 = expected exit code, $2 = text the message must hold, rest = arguments
    local want="$1" text="$2"; shift 2
    set +e
    "$KOHORT" submit "$@" >out.txt 2>err.txt
    local rc=$?
    set -e
    [[ $rc -eq $want ]] || { cat out.txt err.txt >&2; fail "kohort submit $* exited $rc, expected $want"; }
    grep -qF -- "$text" err.txt || { cat err.txt >&2; fail "message of 'kohort submit $*' lacks: $text"; }
}

note "missing job file"
expect_error 2 "no_such_job.ini" no_such_job.ini --dry-run
expect_error 2 "no_such_job.ini" no_such_job.ini

note "bad resource values"
expect_error 2 "--nodes: found '0', expected a whole number of at least 1" job.ini --nodes 0 --dry-run
expect_error 2 "--cpus-per-task" job.ini --cpus-per-task two --dry-run
expect_error 2 "--partition: found 'a b'" job.ini --partition "a b" --dry-run
sed 's/^nodes  /nodez  /' job.ini >typo.ini
expect_error 2 "[slurm]: unknown key 'nodez'; did you mean 'nodes'?" typo.ini --dry-run
sed 's/^ntasks-per-node = 2/ntasks-per-node = many/' job.ini >bad.ini
expect_error 2 "[slurm]: ntasks-per-node = 'many': expected a whole number from 1" bad.ini --dry-run

note "no sbatch on PATH"
# A PATH with every usual tool except Slurm's, as on a workstation without slurm-client.
mkdir -p nosbatch
declare -A seen=()
links=()
for d in /usr/local/bin /usr/bin /bin /usr/sbin /sbin; do
    [[ -d $d ]] || continue
    for f in "$d"/*; do
        b="${f##*/}"
        case "$b" in sbatch|srun|squeue|scontrol|sinfo|scancel|salloc|sacct) continue ;; esac
        [[ -n "${seen[$b]:-}" ]] && continue
        seen[$b]=1
        links+=("$f")
    done
done
ln -s -t nosbatch "${links[@]}"
set +e
PATH="$tmp/nosbatch" "$KOHORT" submit job.ini >out.txt 2>err.txt
rc=$?
set -e
[[ $rc -eq 2 ]] || { cat err.txt >&2; fail "no sbatch: exit $rc, expected 2"; }
grep -q "sbatch not found on PATH" err.txt || { cat err.txt >&2; fail "no sbatch: unclear message"; }
grep -q "slurm-client" err.txt || { cat err.txt >&2; fail "no sbatch: message does not say what to install"; }
grep -q "login node" err.txt || { cat err.txt >&2; fail "no sbatch: message does not mention login nodes"; }
[[ ! -e out ]] || fail "a failed submit left $tmp/out behind"

echo "PASS"
