# finegray kernel (issue 3, kind = finegray, cmprsk::crr). The gtest programs compute crr's values in
# the same run (finegray_reference.R) and compare at 1, 2, 3, 4 and 5 ranks; the finegray sources and
# the km count table they reuse are compiled in directly.
set(FINEGRAY_SOURCES
  ${PROJECT_SOURCE_DIR}/kernels/survival/finegray_grid.cpp
  ${PROJECT_SOURCE_DIR}/kernels/survival/finegray_rows.cpp
  ${PROJECT_SOURCE_DIR}/kernels/survival/finegray_sums.cpp
  ${PROJECT_SOURCE_DIR}/kernels/survival/finegray_variance.cpp
  ${PROJECT_SOURCE_DIR}/kernels/survival/finegray_fit.cpp
  ${PROJECT_SOURCE_DIR}/kernels/survival/finegray_kernel.cpp
  ${PROJECT_SOURCE_DIR}/kernels/survival/km_counts.cpp
  ${PROJECT_SOURCE_DIR}/kernels/survival/cox_linalg.cpp
  ${PROJECT_SOURCE_DIR}/src/jobs/model_registry.cpp
  ${PROJECT_SOURCE_DIR}/src/jobs/disclosure.cpp
  ${PROJECT_SOURCE_DIR}/src/jobs/release.cpp
  ${PROJECT_SOURCE_DIR}/kernels/model_checks.cpp)
kohort_mpi_test(finegray_kernel_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/finegray_kernel_test.cpp ${FINEGRAY_SOURCES}
                LIBS kohort_formula kohort_store kohort_mpi RANKS 1 2 3 4 5 LABELS survival finegray)
target_compile_definitions(finegray_kernel_test PRIVATE
  FINEGRAY_REFERENCE_SCRIPT="${CMAKE_CURRENT_LIST_DIR}/finegray_reference.R")
kohort_mpi_test(finegray_bad_input_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/finegray_bad_input_test.cpp ${FINEGRAY_SOURCES}
                LIBS kohort_formula kohort_store kohort_mpi RANKS 1 2 3 LABELS survival finegray)
kohort_script_test(finegray_cli_conformance Rscript ARGS ${CMAKE_CURRENT_LIST_DIR}/finegray_cli_conformance.R
                   LABELS survival finegray r)
