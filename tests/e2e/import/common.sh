# Shared set-up for the import end-to-end scripts (sourced). Needs KOHORT and KOHORT_TEST_TMP.
set -u
: "${KOHORT:?KOHORT must name the kohort binary}"
T="${KOHORT_TEST_TMP:-$(mktemp -d)}"
rm -rf "$T"
mkdir -p "$T"
cd "$T" || exit 1
umask 022

fail() {
    echo "FAIL: $*" >&2
    [ -f "$T/out.txt" ] && { echo "--- command output:" >&2; cat "$T/out.txt" >&2; }
    exit 1
}

# run_kohort ARGS...: runs the CLI, output (stdout+stderr) to $T/out.txt, exit code to $RC.
run_kohort() {
    "$KOHORT" "$@" >"$T/out.txt" 2>&1
    RC=$?
}

# Made-up CPR numbers used by the tests, in both formats. No test output may contain any of them.
CPRS_10="0101901234 0202902345 1503754321 2902004234 3112995678"
cprs_all_forms() {
    for c in $CPRS_10; do echo "$c"; echo "${c:0:6}-${c:6:4}"; done
}
assert_no_cpr_in() {  # FILE...
    local f c
    for f in "$@"; do
        for c in $(cprs_all_forms); do
            if grep -a -q -F -- "$c" "$f"; then fail "a CPR number ($(echo "$c" | tr 0-9 D)) appears in $f"; fi
        done
    done
}

write_good_csv() {  # FILE: a small person table with CPR numbers in both formats
    cat >"$1" <<'CSV'
"cpr","born","bmi","region"
"010190-1234",1990-01-01,22.5,"Syd"
"0202902345",1990-02-02,NA,"Nord"
"150375-4321",1975-03-15,31.25,"Midt"
CSV
}

make_key() {  # FILE
    "$KOHORT" keygen --out "$1" >/dev/null 2>&1 || fail "kohort keygen --out $1 failed"
}

sha() { sha256sum "$1" | cut -d' ' -f1; }

assert_no_temporaries() {
    if ls -a "$T" | grep -q '\.tmp-'; then fail "a temporary store file was left behind: $(ls -a "$T" | grep '\.tmp-')"; fi
}
