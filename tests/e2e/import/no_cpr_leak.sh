#!/usr/bin/env bash
# The CPR number never reaches the store or any output: import CPR numbers in both formats, then
# grep the store file, its h5dump (if installed) and every command's output for each number in both forms.
source "$(dirname "$0")/common.sh"

make_key "$T/project.key"
{
    echo 'cpr;date;icd10;dose'
    i=0
    for c in $CPRS_10; do
        i=$((i + 1))
        echo "$c;2010-0$i-1$i;I2$i;$i,5"                 # 10-digit form
        echo "\"${c:0:6}-${c:6:4}\";2011-0$i-0$i;E1$i;NA" # hyphenated, quoted form, same person
    done
} >"$T/diag.csv"

run_kohort import --csv "$T/diag.csv" --table diagnoses --store "$T/store.h5" --decimal , \
    --pseudonymise cpr --key-file "$T/project.key"
[ "$RC" -eq 0 ] || fail "import failed (exit $RC)"
cp "$T/out.txt" "$T/out_import.txt"
grep -q "10 rows" "$T/out_import.txt" || fail "expected 10 rows in the summary"
grep -q "pid" "$T/out_import.txt" || fail "expected a pid column in the summary"

# Error paths print no CPR either: a collision-free but invalid second file, and a duplicate import.
printf 'cpr;x\n0101901234;1\n3112995678;2\n9999999999;3\n' >"$T/bad.csv"
run_kohort import --csv "$T/bad.csv" --table other --store "$T/store.h5" --pseudonymise cpr --key-file "$T/project.key"
[ "$RC" -eq 2 ] || fail "invalid CPR: exit $RC, expected 2"
grep -q -F "$T/bad.csv:4:1:" "$T/out.txt" || fail "invalid CPR: message lacks file:line:col"
grep -q -F "9999999999" "$T/out.txt" && fail "the invalid CPR value was printed"
cp "$T/out.txt" "$T/out_bad.txt"
run_kohort import --csv "$T/diag.csv" --table diagnoses --store "$T/store.h5" --decimal , \
    --pseudonymise cpr --key-file "$T/project.key"
[ "$RC" -eq 2 ] || fail "duplicate table: exit $RC, expected 2"
cp "$T/out.txt" "$T/out_dup.txt"

assert_no_cpr_in "$T/store.h5" "$T/out_import.txt" "$T/out_bad.txt" "$T/out_dup.txt"
if command -v h5dump >/dev/null 2>&1; then
    h5dump "$T/store.h5" >"$T/dump.txt" 2>&1 || fail "h5dump cannot read the store"
    assert_no_cpr_in "$T/dump.txt"
fi
assert_no_temporaries
echo "PASS: no CPR number in the store file or any output"
