#!/usr/bin/env bash
# One bad input for `kohort import` (case given as $1). Asserts the exit code, the message's
# FILE:LINE:COL (or the file it names), an unchanged existing store, no new store, no CPR in output.
source "$(dirname "$0")/common.sh"
case_name="${1:?case name}"

make_key "$T/project.key"
write_good_csv "$T/good.csv"
run_kohort import --csv "$T/good.csv" --table people --store "$T/store.h5" --pseudonymise cpr --key-file "$T/project.key"
[ "$RC" -eq 0 ] || fail "baseline import failed (exit $RC)"
before=$(sha "$T/store.h5")

csv="$T/bad.csv"
key="$T/project.key"
extra=()
expect_rc=2
secret=""  # a bad CPR value that must not be echoed
table=more  # a new table, so only the bad input itself can stop the import
case "$case_name" in
ragged_row)
    printf 'cpr,born,bmi\n0101901234,1990-01-01,22.5\n0202902345,1990-02-02\n' >"$csv"
    expect="$csv:3:3: this row has 2 fields; expected 3" ;;
bad_date)
    printf 'cpr,born,bmi\n0101901234,1990-01-01,22.5\n0202902345,1990-02-30,20\n' >"$csv"
    expect="$csv:3:2: column 'born': found an impossible date" ;;
invalid_cpr)
    printf 'x,cpr\n1,0101901234\n2,3213901234\n' >"$csv"
    secret=3213901234
    expect="$csv:3:2: column 'cpr': not a valid CPR number" ;;
invalid_cpr_shape)
    printf 'x,cpr\n1,0101901234\n2,01019-01234\n' >"$csv"
    secret=01019-01234
    expect="$csv:3:2: column 'cpr': not a valid CPR number (expected DDMMYY-SSSS or DDMMYYSSSS)" ;;
missing_cpr)
    printf 'x,cpr\n1,0101901234\n2,NA\n' >"$csv"
    expect="$csv:3:2: column 'cpr': a missing CPR number" ;;
empty_file)
    : >"$csv"
    expect="$csv:1:1: the file is empty" ;;
duplicate_header)
    printf 'cpr,born,born\n0101901234,1990-01-01,1990-01-01\n' >"$csv"
    expect="$csv:1:3: duplicate column name 'born'" ;;
csv_is_directory)
    # Tests run as root, for whom chmod 000 does not stop reading; a directory really cannot be read as CSV.
    csv="$T/adir"
    mkdir -p "$csv"
    expect="$csv: is a directory" ;;
csv_missing)
    csv="$T/no-such-file.csv"
    expect="$csv: cannot read the CSV file: No such file or directory" ;;
missing_key_file)
    printf 'cpr\n0101901234\n' >"$csv"
    key="$T/no-such.key"
    expect="key file $key: cannot open it: No such file or directory" ;;
short_key)
    printf 'cpr\n0101901234\n' >"$csv"
    key="$T/short.key"
    printf '%s\n' 00112233445566778899aabbccddeeff >"$key"   # 16 bytes
    chmod 600 "$key"
    expect_rc=3
    expect="holds a 16-byte secret; a project key must be at least 32 bytes" ;;
key_readable_by_others)
    printf 'cpr\n0101901234\n' >"$csv"
    key="$T/open.key"
    cp "$T/project.key" "$key"
    chmod 644 "$key"
    expect_rc=3
    expect="key file $key has mode 644" ;;
schema_type_mismatch)
    printf 'cpr,born,n\n0101901234,1990-01-01,1\n0202902345,1990-02-02,two\n' >"$csv"
    printf '[columns]\nn = int64\n' >"$T/schema.ini"
    extra=(--schema "$T/schema.ini")
    expect="$csv:3:3: column 'n': found text; expected an int64" ;;
existing_table)
    write_good_csv "$csv"
    table=people
    expect="already has a table 'people'; pass --replace" ;;
*)
    fail "unknown case $case_name" ;;
esac

# 1. Against the existing store: refused, store bytes unchanged.
run_kohort import --csv "$csv" --table "$table" --store "$T/store.h5" --pseudonymise cpr --key-file "$key" "${extra[@]}"
[ "$RC" -eq "$expect_rc" ] || fail "$case_name: exit code $RC, expected $expect_rc"
grep -q -F -- "$expect" "$T/out.txt" || fail "$case_name: message lacks '$expect'"
[ "$(sha "$T/store.h5")" = "$before" ] || fail "$case_name: the store file changed"
assert_no_cpr_in "$T/out.txt"
if [ -n "$secret" ] && grep -q -F -- "$secret" "$T/out.txt"; then fail "$case_name: the bad CPR value was printed"; fi
assert_no_temporaries

# 2. Against a store that does not exist yet: refused, and no store appears.
if [ "$case_name" != existing_table ]; then
    run_kohort import --csv "$csv" --table "$table" --store "$T/new.h5" --pseudonymise cpr --key-file "$key" "${extra[@]}"
    [ "$RC" -eq "$expect_rc" ] || fail "$case_name (new store): exit code $RC, expected $expect_rc"
    [ ! -e "$T/new.h5" ] || fail "$case_name: a new store was created from bad input"
    assert_no_cpr_in "$T/out.txt"
    assert_no_temporaries
fi
echo "PASS: import refuses $case_name with exit $expect_rc and leaves the store unchanged"
