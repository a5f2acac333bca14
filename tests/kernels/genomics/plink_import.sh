#!/usr/bin/env bash
# kohort import --plink end to end.
#   CASE = good:    the stored calls, read back with h5py, equal plink2's own export (--export A) for
#                   every sample and variant; kohort inspect shows samples and variants.
#   CASE = cpr:     IIDs are CPR numbers (--pseudonymise --key-file): pids equal the CSV import's pids
#                   for the same CPR numbers, and no CPR number (either form) is anywhere in the store.
#   CASE = bad_*:   a damaged file is exit 2 naming the file (and line), the store unchanged.
source "$(dirname "$0")/common.sh"
require_tool plink2
CASE=${1:?case}
sha() { sha256sum "$1" | cut -d' ' -f1; }

case "$CASE" in
good)
    "$PY" "$HERE/make_gwas_data.py" data 203 150 5 || fail "making test data"
    run_kohort import --plink data/d --table geno --store s.h5 --block-variants 32
    [ "$RC" = 0 ] || fail "import --plink (exit $RC)"
    plink2 --bfile data/d --export A --out data/d >"$T/out.txt" 2>&1 || fail "plink2 --export A"
    "$PY" "$HERE/check_store_block.py" s.h5 geno data/d.raw || fail "stored calls differ from plink2's export"
    run_kohort inspect s.h5 --table geno
    [ "$RC" = 0 ] || fail "inspect (exit $RC)"
    grep -q "203 samples x 150 variants" out.txt || fail "inspect does not show samples and variants"
    ;;
cpr)
    "$PY" "$HERE/make_gwas_data.py" data 120 40 9 --cpr || fail "making test data"
    "$KOHORT" keygen --out key >/dev/null 2>&1 || fail "keygen"
    run_kohort import --plink data/d --table geno --store s.h5 --pseudonymise --key-file key
    [ "$RC" = 0 ] || fail "import --plink --pseudonymise (exit $RC)"
    run_kohort import --csv data/pheno.csv --table pheno --store s.h5 --pseudonymise cpr --key-file key
    [ "$RC" = 0 ] || fail "import --csv --pseudonymise (exit $RC)"
    "$PY" - <<'PY' || fail "genotype pids do not match the CSV import's pids"
import h5py
with h5py.File("s.h5", "r") as f:
    g = sorted(f["tables/geno/pid"][:].tolist())
    p = sorted(f["tables/pheno/pid"][:].tolist())
assert g == p and len(g) == 120, (len(g), len(p))
PY
    n=0
    while read -r _ iid _; do
        for form in "$iid" "${iid:0:6}-${iid:6:4}"; do
            grep -a -q -F -- "$form" s.h5 && fail "a CPR number from the .fam is in the store"
            grep -a -q -F -- "$form" out.txt && fail "a CPR number was printed"
        done
        n=$((n + 1))
    done <data/d.fam
    [ "$n" = 120 ] || fail "read $n IIDs"
    echo "no CPR number (120, both forms) in the store"
    ;;
bad_*)
    "$PY" "$HERE/make_gwas_data.py" data 30 12 3 || fail "making test data"
    printf 'pid,x\n1,2\n' >t.csv
    "$KOHORT" import --csv t.csv --table t --store s.h5 >/dev/null 2>&1 || fail "setting up the store"
    before=$(sha s.h5)
    expect=""
    case "$CASE" in
    bad_magic) printf '\x6c\x1c\x01' | dd of=data/d.bed bs=1 count=3 conv=notrunc 2>/dev/null; expect="data/d.bed: .*magic" ;;
    bad_mode) printf '\x6c\x1b\x00' | dd of=data/d.bed bs=1 count=3 conv=notrunc 2>/dev/null; expect="data/d.bed: .*SNP-major" ;;
    bad_bed_size) printf '\x00' >>data/d.bed; expect="data/d.bed: size .* expected" ;;
    bad_bim_line) sed -i '7s/.*/1 snp6 0 12x A C/' data/d.bim; expect="data/d.bim:7:4: position" ;;
    bad_bim_fields) sed -i '4s/.*/1 snp3 0 3 A/' data/d.bim; expect="data/d.bim:4: found 5 fields" ;;
    bad_fam_iid) sed -i '9s/^[0-9]* [0-9]*/F1 abc/' data/d.fam; expect="data/d.fam:9:2: IID is not a non-negative integer" ;;
    bad_fam_duplicate) line3=$(sed -n 3p data/d.fam); sed -i "11s/.*/$line3/" data/d.fam; expect="data/d.fam:11:2: duplicate IID: .* line 3" ;;
    bad_fam_fields) sed -i '5s/.*/1 2 0 0/' data/d.fam; expect="data/d.fam:5: found 4 fields" ;;
    bad_fam_cpr)
        "$KOHORT" keygen --out key >/dev/null 2>&1 || fail "keygen"
        expect="data/d.fam:1:2: IID is not a valid CPR number" ;;
    *) fail "unknown case $CASE" ;;
    esac
    if [ "$CASE" = bad_fam_cpr ]; then
        run_kohort import --plink data/d --table geno --store s.h5 --pseudonymise --key-file key
    else
        run_kohort import --plink data/d --table geno --store s.h5
    fi
    [ "$RC" = 2 ] || fail "expected exit 2, got $RC"
    grep -Eq "$expect" out.txt || fail "message does not match '$expect'"
    [ "$(sha s.h5)" = "$before" ] || fail "the store changed"
    ls s.h5.tmp-* >/dev/null 2>&1 && fail "a temporary store was left behind"
    if [ "$CASE" = bad_fam_cpr ]; then
        run_kohort import --plink data/d --table geno2 --store new.h5 --pseudonymise --key-file key
    else
        run_kohort import --plink data/d --table geno2 --store new.h5
    fi
    [ "$RC" = 2 ] || fail "expected exit 2 for a new store, got $RC"
    [ -e new.h5 ] && fail "a new store was created from bad files"
    ;;
*) fail "unknown case $CASE" ;;
esac
echo "PASS plink import $CASE"
