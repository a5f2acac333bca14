#!/usr/bin/env bash
# On one node kohort starts Open MPI with pml ob1 (src/mpi/transport.hpp): under mpirun with every
# rank here, and alone without a launcher. An explicit OMPI_MCA_pml is kept.
set -euo pipefail
tmp="$KOHORT_TEST_TMP"; rm -rf "$tmp"; mkdir -p "$tmp"; cd "$tmp"
fail() { echo "FAIL: $*"; exit 1; }
unset OMPI_MCA_pml
export OMPI_MCA_pml_base_verbose=10  # Open MPI prints the pml each rank selects

# mpirun, 2 ranks on this host: both select ob1, and no other pml is even opened.
$KOHORT_MPIEXEC $KOHORT_MPIEXEC_FLAGS -np 2 "$KOHORT" --version > mpirun.txt 2>&1 || { cat mpirun.txt; fail "mpirun -np 2 kohort --version"; }
n=$(grep -c "select: component ob1 selected" mpirun.txt || true)
[[ $n == 2 ]] || { cat mpirun.txt; fail "expected 2 ranks to select ob1, saw $n"; }
! grep -Eq "select: initializing pml component (ucx|cm)" mpirun.txt || { cat mpirun.txt; fail "pml ucx or cm was initialised on one node"; }
echo "ok   mpirun -np 2: both ranks selected ob1; ucx and cm not initialised"

# A singleton: ob1 too.
"$KOHORT" --version > alone.txt 2>&1 || { cat alone.txt; fail "kohort --version"; }
grep -q "select: component ob1 selected" alone.txt || { cat alone.txt; fail "a singleton did not select ob1"; }
echo "ok   singleton: selected ob1"

# An explicit choice is kept: "^v" (everything but the unused pml v) leaves Open MPI to probe, so
# it initialises the other components, which kohort's own choice avoids. Shown only where Open MPI
# has pml ucx or cm to try.
if ompi_info 2>/dev/null | grep -Eq "MCA pml: (ucx|cm) "; then
    OMPI_MCA_pml='^v' $KOHORT_MPIEXEC $KOHORT_MPIEXEC_FLAGS -np 2 "$KOHORT" --version > explicit.txt 2>&1 \
        || { cat explicit.txt; fail "mpirun with OMPI_MCA_pml=^v"; }
    grep -Eq "select: initializing pml component (ucx|cm)" explicit.txt \
        || { cat explicit.txt; fail "with OMPI_MCA_pml=^v kohort overrode the user's choice"; }
    echo "ok   OMPI_MCA_pml=^v kept: Open MPI probed its other pml components"
fi

# That the choice is taken out of the environment after MPI_Init, so processes kohort starts do
# not inherit it, is checked by test_transport (SingleNodeTransport.*).
echo PASS
