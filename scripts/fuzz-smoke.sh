#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, -DKOHORT_FUZZ=ON) into build-fuzz/ and runs each for a short
# while from its seed corpus, then replays every regression input (tests/fuzz/README.md).
# Usage: scripts/fuzz-smoke.sh [SECONDS_PER_TARGET]   (default 60)
# Env:   FUZZ_BUILD=DIR reuses a build folder configured with -DKOHORT_FUZZ=ON, e.g. build-asan from
#        scripts/test-sanitize.sh (CI does this: the libraries are compiled once for both).
# Exit status: non-zero when a target crashes, leaks memory errors or fails a regression input.
#
# fuzz_store's seeds are the sample store and the store tests' broken stores. Its mutations reach
# libhdf5 crashes within a minute; Store::open meets those in a forked child first and refuses the
# file with exit 2 (store/child_probe.hpp, docs/fuzzing.md), so they are no finding.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
seconds=${1:-60}
jobs=$(nproc 2>/dev/null || echo 2)
start=$SECONDS
targets=(fuzz_csv fuzz_schema fuzz_formula fuzz_job_file fuzz_site_config fuzz_store fuzz_plink)

build=$(realpath -m "${FUZZ_BUILD:-build-fuzz}")
if [[ -z "${FUZZ_BUILD:-}" ]]; then
  cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang \
    -DKOHORT_FUZZ=ON -DKOHORT_BUILD_TESTS=OFF >/dev/null
elif ! grep -q '^KOHORT_FUZZ:BOOL=ON$' "$build/CMakeCache.txt" 2>/dev/null; then
  echo "fuzz-smoke: FUZZ_BUILD=$build is not configured with -DKOHORT_FUZZ=ON (clang++)" >&2; exit 2
fi
cmake --build "$build" -j"$jobs" --target fuzzers
echo "fuzz-smoke: build took $((SECONDS - start)) s"

export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1"  # Open MPI/HDF5 keep memory to exit (docs/sanitizers.md)
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 PMIX_MCA_psec=native
# On a tmpfs when there is one: the targets that take a path rewrite a scratch file per input, which
# ext4 flushes to disk on every truncating rewrite (README.md).
work=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)
trap 'rm -rf "$work"' EXIT
export TMPDIR=$work
# One target's smoke run: its regression inputs, then SECONDS of fuzzing from its seeds. Prints its
# report; exits non-zero on a finding.
smoke_one() {
  local t=$1 name=${1#fuzz_} status=0
  local corpus=$work/$name regress=tests/fuzz/regressions/$name
  mkdir -p "$corpus"
  cp -r tests/fuzz/corpus/"$name"/. "$corpus"/ 2>/dev/null || true
  # Regression inputs first: each one a crash found earlier, which must now be handled cleanly.
  if [ -d "$regress" ] && [ -n "$(ls -A "$regress")" ]; then
    if ! (cd "$work" && "$build"/bin/"$t" "$root/$regress"/* > "$work/$t.regress.log" 2>&1); then
      tail -40 "$work/$t.regress.log"; echo "fuzz-smoke: $t FAILED a regression input"; status=1
    fi
  fi
  if [[ $t == fuzz_store ]]; then  # the broken stores join the seeds: see the note at the top
    /usr/bin/python3 tests/src/store/broken_stores.py tests/fuzz/corpus/store/sample_store.h5 "$corpus" > /dev/null
  fi
  local dict=()
  [ -f tests/fuzz/dict/"$name".dict ] && dict=(-dict="$root/tests/fuzz/dict/$name.dict")
  local rc=0
  (cd "$work" && "$build"/bin/"$t" "${dict[@]}" -artifact_prefix="$build/findings/$name-" -max_total_time="$seconds" \
      -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 "$corpus" > "$work/$t.log" 2>&1) || rc=$?
  local runs
  runs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$work/$t.log" | grep -Eo '[0-9]+$' || echo "?")
  if [ $rc -ne 0 ]; then
    tail -60 "$work/$t.log"; echo "fuzz-smoke: $t FAILED (exit $rc) after $runs runs"; status=1
    ls "$build"/findings/"$name"-* 2>/dev/null | sed 's/^/  finding: /'
  else
    echo "fuzz-smoke: $t: $runs runs in ${seconds} s, no findings"
  fi
  return $status
}

# Targets run side by side, one per CPU (each is one single-threaded process), so the smoke run
# takes about ceil(7 / CPUs) x SECONDS; each target's report is printed whole when it ends.
mkdir -p "$build/findings"
status=0
declare -A running=()
finish_one() {  # waits for any target, prints its report, records its status
  local pid rc=0
  wait -n -p pid || rc=$?
  cat "$work/${running[$pid]}.report"
  [ $rc -eq 0 ] || status=1
  unset "running[$pid]"
}
for t in "${targets[@]}"; do
  while (( ${#running[@]} >= jobs )); do finish_one; done
  smoke_one "$t" > "$work/$t.report" 2>&1 &
  running[$!]=$t
done
while (( ${#running[@]} > 0 )); do finish_one; done
echo "fuzz-smoke: total $((SECONDS - start)) s"
exit $status
