# bench/compare.sh, the CI gate of bench/run.sh: regressions fail and are named, a different
# counting configuration is reported and not failed (contract section 10).
kohort_script_test(bench_compare_gate ${CMAKE_CURRENT_LIST_DIR}/compare_gate.sh TIMEOUT 60)
