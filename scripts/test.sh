#!/usr/bin/env bash
# Quick start, command two: install the stack, build, and run the whole test suite with ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
# Tests run MPI jobs as root inside CI containers.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
ctest --test-dir build --output-on-failure -j2 "$@" 2>&1 | tee build/ctest.log
exit "${PIPESTATUS[0]}"
