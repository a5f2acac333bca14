#!/usr/bin/env bash
# Bad study definitions through the real CLI (issue 5, item 6). Each must end with exit 2 and a
# message naming the job file, the section and the key, or succeed with a documented warning in
# results.json.
set -euo pipefail
: "${KOHORT:?}" "${KOHORT_TEST_TMP:?}"
rm -rf "$KOHORT_TEST_TMP"; mkdir -p "$KOHORT_TEST_TMP"; cd "$KOHORT_TEST_TMP"
"$KOHORT" synth --persons 2000 --seed 11 --out s.h5 >/dev/null 2>&1

# write_job NAME: the base study with the lines on stdin appended (later keys are new sections or
# replace nothing; each case writes what it needs).
base() {
cat <<INI
[job]
name = bad
store = s.h5
output = out/$1
[variable.mi]
register = diagnoses
column = icd10
codes = I21*
window = 1, inf
value = first
INI
}
cohort() {
cat <<INI
[cohort.study]
index = ${1:-2010-01-01}
end = 2020-12-31
outcome = ${2:-mi}
competing = death
INI
}
fail=0
expect_error() {  # NAME EXPECTED-SUBSTRING... (job on stdin)
    local name=$1; shift
    cat > "$name.ini"
    set +e
    "$KOHORT" run "$name.ini" > "$name.out" 2> "$name.err"
    local rc=$?
    set -e
    if [[ $rc -ne 2 ]]; then echo "FAIL $name: exit $rc, expected 2"; cat "$name.err"; fail=1; return; fi
    for s in "$@"; do
        if ! grep -qF -- "$s" "$name.err"; then echo "FAIL $name: message lacks '$s':"; cat "$name.err"; fail=1; return; fi
    done
    [[ ! -e out/$name ]] || { echo "FAIL $name: output folder created"; fail=1; return; }
    echo "ok   $name: $(grep -m1 "error" "$name.err")"
}

{ base unknown_register; cat <<INI
[variable.x]
register = diagnosis
column = icd10
codes = E11
INI
cohort; echo "covariates = x"; } | expect_error unknown_register "unknown_register.ini [variable.x]: register = 'diagnosis' is not a table" "diagnoses, population, prescriptions"

{ base unknown_column; cat <<INI
[variable.x]
register = diagnoses
column = icd
codes = E11
INI
cohort; echo "covariates = x"; } | expect_error unknown_column "[variable.x]: column = 'icd' is not a column of 'diagnoses'" "pid, date, icd10"

{ base empty_codes; cat <<INI
[variable.x]
register = diagnoses
column = icd10
codes =
INI
cohort; } | expect_error empty_codes "empty_codes.ini:" "[variable.x]: codes is empty"

{ base window_backwards; cat <<INI
[variable.x]
register = diagnoses
column = icd10
codes = E11
window = 0, -365
INI
cohort; } | expect_error window_backwards "window_backwards.ini:" "[variable.x]: window = '0, -365': ends before it starts"

{ base index_before_data; cohort 1980-01-01; } | expect_error index_before_data \
    "index_before_data.ini [cohort.study]: index = 1980-01-01 is outside the dates the registers read hold"
# The registers' first and last dates are single persons' values: never in a message.
! grep -q "1995-" index_before_data.err 2>/dev/null || { echo "FAIL: a register date in a message"; exit 1; }

{ base index_after_end; cohort 2025-01-01; } | expect_error index_after_end \
    "index_after_end.ini [cohort.study]: index 2025-01-01 is not before end"

{ base unknown_outcome; cohort 2010-01-01 infarct; } | expect_error unknown_outcome \
    "[cohort.study]: outcome names 'infarct', which is not a [variable.infarct] section"

{ base unknown_key; cohort; echo "ages = 30, 90"; } | expect_error unknown_key "[cohort.study]: unknown key 'ages'"

# An outcome no one has: the job succeeds and results.json carries the documented warning.
{ base no_outcome; cat <<INI
[variable.rare]
register = diagnoses
column = icd10
codes = Q99*
window = 1, inf
INI
cohort 2010-01-01 rare; cat <<INI
[model.n]
kind = summary
table = study
columns = time
INI
} > no_outcome.ini
"$KOHORT" run no_outcome.ini > no_outcome.out 2> no_outcome.err || { echo "FAIL no_outcome: job failed"; cat no_outcome.err; exit 1; }
jq -e '.derived_tables.study.warnings | map(select(test("no one in the cohort has the outcome .rare."))) | length == 1' \
    out/no_outcome/results.json > /dev/null || { echo "FAIL no_outcome: no warning in results.json"; jq .derived_tables out/no_outcome/results.json; fail=1; }
jq -e '.derived_tables.study.warnings | map(select(test("match no code of diagnoses.icd10"))) | length == 1' \
    out/no_outcome/results.json > /dev/null || { echo "FAIL no_outcome: no unmatched-codes warning"; fail=1; }
[[ $fail -eq 0 ]] && echo "ok   no_outcome: warnings in results.json"
exit $fail
