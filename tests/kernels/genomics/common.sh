# Shared set-up for the genomics end-to-end scripts (sourced). Needs KOHORT and KOHORT_TEST_TMP.
set -u
: "${KOHORT:?KOHORT must name the kohort binary}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
T="${KOHORT_TEST_TMP:-$(mktemp -d)}"
rm -rf "$T"
mkdir -p "$T"
cd "$T" || exit 1
PY=/usr/bin/python3
MPIEXEC="${KOHORT_MPIEXEC:-mpirun}"
read -r -a MPIFLAGS <<<"${KOHORT_MPIEXEC_FLAGS:---oversubscribe --allow-run-as-root}"

fail() {
    echo "FAIL: $*" >&2
    [ -f "$T/out.txt" ] && { echo "--- last command output:" >&2; tail -30 "$T/out.txt" >&2; }
    exit 1
}
# The reference tools are part of the test: missing means FAIL, never skip.
require_tool() { command -v "$1" >/dev/null 2>&1 || fail "$1 is not installed (Debian package ${2:-$1}); the conformance test needs it"; }

run_kohort() {  # ARGS...: output to $T/out.txt, exit code to $RC
    "$KOHORT" "$@" >"$T/out.txt" 2>&1
    RC=$?
}

run_job_np() {  # NP JOB [--set ...]: kohort run on NP ranks; fails the test on a non-zero exit
    local np=$1 job=$2
    shift 2
    "$MPIEXEC" "${MPIFLAGS[@]}" -np "$np" "$KOHORT" run "$job" "$@" >"$T/out.txt" 2>&1 || fail "kohort run $job on $np ranks"
}
