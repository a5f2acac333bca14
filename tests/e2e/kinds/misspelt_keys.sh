#!/usr/bin/env bash
# Issue 11: every section kind refuses a misspelt key through the real CLI, with exit 2, the file,
# the line, the key and the closest declared key; bad values name the expected type or range.
# Validation happens before any data is read, so no store is needed (none exists here).
set -euo pipefail
: "${KOHORT:?}" "${KOHORT_TEST_TMP:?}"
rm -rf "$KOHORT_TEST_TMP"; mkdir -p "$KOHORT_TEST_TMP"; cd "$KOHORT_TEST_TMP"
fail=0

job_head() {
    printf '[job]\nname = typo\nstore = absent.h5\noutput = out/%s\n' "$1"
}

# expect_exit2 NAME EXPECTED -- COMMAND...: COMMAND exits 2 and its stderr holds EXPECTED.
expect_exit2() {
    local name=$1 expected=$2; shift 3
    set +e
    "$@" > "$name.out" 2> "$name.err"
    local rc=$?
    set -e
    if [[ $rc -eq 2 ]] && grep -qF -- "$expected" "$name.err"; then
        echo "ok   $name: $(cat "$name.err")"
    else
        echo "FAIL $name: exit $rc"; cat "$name.err"; fail=1
    fi
}

# expect_refused NAME BADLINE-PATTERN EXPECTED... : runs NAME.ini (written by the caller) and checks
# exit 2, "NAME.ini:LINE:" for the line holding BADLINE-PATTERN, and every EXPECTED substring.
expect_refused() {
    local name=$1 pattern=$2; shift 2
    local line
    line=$(grep -n -m1 -F -- "$pattern" "$name.ini" | cut -d: -f1)
    set +e
    "$KOHORT" run "$name.ini" > "$name.out" 2> "$name.err"
    local rc=$?
    set -e
    if [[ $rc -ne 2 ]]; then echo "FAIL $name: exit $rc, expected 2"; cat "$name.err"; fail=1; return; fi
    for s in "$name.ini:$line:" "$@"; do
        if ! grep -qF -- "$s" "$name.err"; then echo "FAIL $name: message lacks '$s':"; cat "$name.err"; fail=1; return; fi
    done
    [[ ! -e out/$name ]] || { echo "FAIL $name: output folder created"; fail=1; return; }
    echo "ok   $name: $(cat "$name.err")"
}

# [job]
{ job_head job_typo; echo "purpse = statins"; } > job_typo.ini
expect_refused job_typo "purpse" "[job]: unknown key 'purpse'; did you mean 'purpose'?"

# Each model kind: a misspelt key of its own.
model() {  # NAME KIND LINES...
    local name=$1 kind=$2; shift 2
    { job_head "$name"; printf '[model.m]\nkind = %s\ntable = t\n' "$kind"; printf '%s\n' "$@"; } > "$name.ini"
}
model cox_typo cox "formula = Surv(time, status) ~ age" "weigths = w"
expect_refused cox_typo "weigths" "[model.m]: unknown key 'weigths'; did you mean 'weights'?"
model cox_dotted cox "formula = Surv(time, status) ~ age" "iter.mx = 30"
expect_refused cox_dotted "iter.mx" "unknown key 'iter.mx'; did you mean 'iter.max'?"
model km_typo km "formula = Surv(time, status) ~ sex" "conf_tpye = plain"
expect_refused km_typo "conf_tpye" "unknown key 'conf_tpye'; did you mean 'conf_type'?"
model cif_typo cif "formula = Surv(time, cause) ~ 1" "conf.itn = 0.9"
expect_refused cif_typo "conf.itn" "unknown key 'conf.itn'; did you mean 'conf_int'?"
model finegray_typo finegray "formula = Surv(time, cause) ~ age" "casue = 2"
expect_refused finegray_typo "casue" "unknown key 'casue'; did you mean 'cause'?"
model glm_typo glm "formula = y ~ age" "famliy = binomial"
expect_refused glm_typo "famliy" "unknown key 'famliy'; did you mean 'family'?"
model summary_typo summary "colums = age"
expect_refused summary_typo "colums" "unknown key 'colums'; did you mean 'columns'?"
model table_typo table "by = sex" "bye = region"
expect_refused table_typo "bye" "unknown key 'bye'; did you mean 'by'?"

# A kind that does not exist, and a key a kind refuses with its reason.
model kind_typo coxx "formula = Surv(time, status) ~ age"
expect_refused kind_typo "coxx" "unknown kind 'coxx'; did you mean 'cox'?"
model finegray_weights finegray "formula = Surv(time, cause) ~ age" "weights = w"
expect_refused finegray_weights "weights = w" "key 'weights' is not accepted: cmprsk::crr has no case weights"

# Study sections and [slurm].
study() {
cat <<INI
[variable.mi]
register = diagnoses
column = icd10
codes = I21*
window = 1, inf
[cohort.study]
index = 2010-01-01
end = 2020-12-31
outcome = mi
INI
}
{ job_head variable_typo; study; printf '[variable.dm]\nregister = diagnoses\ncolumn = icd10\ncodes = E11\nwindwo = -365, 0\n'; } > variable_typo.ini
expect_refused variable_typo "windwo" "[variable.dm]: unknown key 'windwo'; did you mean 'window'?"
{ job_head cohort_typo; study; echo "outcme = mi"; } > cohort_typo.ini
expect_refused cohort_typo "outcme" "[cohort.study]: unknown key 'outcme'; did you mean 'outcome'?"
{ job_head lexis_typo; study; printf '[lexis.split]\ncohort = study\nage = 10\nperoid = 5\n'; } > lexis_typo.ini
expect_refused lexis_typo "peroid" "[lexis.split]: unknown key 'peroid'; did you mean 'period'?"
{ job_head slurm_typo; printf '[slurm]\nnodes = 2\npartiton = short\n'; } > slurm_typo.ini
expect_refused slurm_typo "partiton" "[slurm]: unknown key 'partiton'; did you mean 'partition'?"

# The site configuration.
{ job_head site_typo; printf '[model.m]\nkind = summary\ntable = t\n'; } > site_typo.ini
printf '[disclosure]\npolicy = none\nmin_cuont = 5\n' > site.ini
expect_exit2 site_typo "site.ini:3: [disclosure]: unknown key 'min_cuont'; did you mean 'min_count'?" -- \
    env KOHORT_SITE_CONFIG="$PWD/site.ini" "$KOHORT" run site_typo.ini

# Bad values name the expected type or range.
model bad_choice cox "formula = Surv(time, status) ~ age" "ties = exact"
expect_refused bad_choice "ties = exact" "ties = 'exact': expected efron or breslow"
model bad_range cox "formula = Surv(time, status) ~ age" "iter.max = 1000000000"
expect_refused bad_range "iter.max" "expected a whole number from 0 to 100000"
model bad_real km "formula = Surv(time, status) ~ 1" "conf_int = 1.5"
expect_refused bad_real "conf_int" "expected a number between 0 and 1 (exclusive)"
model bad_formula glm "formula = y ~ age + factor(sex"
expect_refused bad_formula "formula = y" "expected ')'"
{ job_head bad_date; study; } | sed 's/^end = 2020-12-31/end = 2020-13-45/' > bad_date.ini
expect_refused bad_date "end = " "end = '2020-13-45': expected a date YYYY-MM-DD"
{ job_head bad_threads; echo "threads = many"; } > bad_threads.ini
expect_refused bad_threads "threads = many" "expected a whole number from 1 to 4096"
# --set overrides are checked the same way (no line: they are not in the file).
model set_typo cox "formula = Surv(time, status) ~ age"
expect_exit2 set_typo "unknown key 'tie'; did you mean 'ties'?" -- "$KOHORT" run set_typo.ini --set model.m.tie=breslow
exit $fail
