# finegray kernel (issue 3, kind = finegray, cmprsk::crr). The gtest programs compute crr's values in
# the same run (finegray_reference.R) and compare at 1, 2, 3, 4 and 5 ranks. They link the kernels
# library.
kohort_mpi_test(finegray_kernel_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/finegray_kernel_test.cpp
                LIBS kohort_kernels RANKS 1 2 3 4 5 LABELS survival finegray)
target_compile_definitions(finegray_kernel_test PRIVATE
  FINEGRAY_REFERENCE_SCRIPT="${CMAKE_CURRENT_LIST_DIR}/finegray_reference.R")
kohort_mpi_test(finegray_bad_input_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/finegray_bad_input_test.cpp
                LIBS kohort_kernels RANKS 1 2 3 LABELS survival finegray)
kohort_script_test(finegray_cli_conformance Rscript ARGS ${CMAKE_CURRENT_LIST_DIR}/finegray_cli_conformance.R
                   LABELS survival finegray r)
