#!/usr/bin/env bash
# Under mpirun, rank 0 imports serially and the other ranks wait: success writes the table once,
# bad input exits 2 on every launch without hanging, and the store stays unchanged.
source "$(dirname "$0")/common.sh"
MPIEXEC="${KOHORT_MPIEXEC:-mpirun}"
read -r -a MPIFLAGS <<<"${KOHORT_MPIEXEC_FLAGS:---oversubscribe --allow-run-as-root}"

run_mpi() {  # NP ARGS...
    local np=$1
    shift
    timeout 120 "$MPIEXEC" "${MPIFLAGS[@]}" -np "$np" "$KOHORT" "$@" >"$T/out.txt" 2>&1
    RC=$?
    [ "$RC" -ne 124 ] || fail "mpirun -np $np kohort $* hung (killed after 120 s)"
}

run_mpi 2 keygen --out "$T/project.key"
[ "$RC" -eq 0 ] || fail "keygen on 2 ranks: exit $RC"
[ "$(stat -c %a "$T/project.key")" = 600 ] || fail "keygen on 2 ranks: wrong mode"

write_good_csv "$T/good.csv"
for np in 1 2 3; do
    run_mpi "$np" import --csv "$T/good.csv" --table people --store "$T/s$np.h5" --pseudonymise cpr --key-file "$T/project.key"
    [ "$RC" -eq 0 ] || fail "import on $np ranks: exit $RC"
    [ "$(grep -c "wrote table 'people'" "$T/out.txt")" -eq 1 ] || fail "import on $np ranks: summary not printed exactly once"
    assert_no_cpr_in "$T/out.txt" "$T/s$np.h5"
done
# The store is the same whatever the number of ranks (compare the pid datasets via h5dump if present).
if command -v h5dump >/dev/null 2>&1; then
    d1=$(h5dump -d /tables/people/pid "$T/s1.h5" 2>/dev/null | grep -v HDF5)
    d3=$(h5dump -d /tables/people/pid "$T/s3.h5" 2>/dev/null | grep -v HDF5)
    [ -n "$d1" ] && [ "$d1" = "$d3" ] || fail "pid datasets differ between 1 and 3 ranks"
fi

before=$(sha "$T/s3.h5")
printf 'cpr,born\n0101901234,1990-01-01\n0202902345\n' >"$T/ragged.csv"
for np in 2 3; do
    run_mpi "$np" import --csv "$T/ragged.csv" --table more --store "$T/s3.h5" --pseudonymise cpr --key-file "$T/project.key"
    [ "$RC" -eq 2 ] || fail "ragged input on $np ranks: exit $RC, expected 2"
    grep -q -F "$T/ragged.csv:3:2:" "$T/out.txt" || fail "ragged input on $np ranks: no file:line:col message"
    [ "$(sha "$T/s3.h5")" = "$before" ] || fail "ragged input on $np ranks changed the store"
    assert_no_cpr_in "$T/out.txt"
done
printf 'cpr\n0101901234\n' >"$T/one.csv"
cp "$T/project.key" "$T/open.key"
chmod 644 "$T/open.key"
run_mpi 3 import --csv "$T/one.csv" --table more --store "$T/s3.h5" --pseudonymise cpr --key-file "$T/open.key"
[ "$RC" -eq 3 ] || fail "world-readable key on 3 ranks: exit $RC, expected 3"
[ "$(sha "$T/s3.h5")" = "$before" ] || fail "refused key on 3 ranks changed the store"
assert_no_temporaries
echo "PASS: import under mpirun on 1-3 ranks"
