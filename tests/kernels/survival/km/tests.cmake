# km / cif kernels (issue 3). The gtest programs compute R's reference values in the same run
# (km_reference.R) and compare at 1-5 ranks. They link the kernels library (compiled once for all
# tests) rather than compiling kernel sources into each program.
kohort_mpi_test(km_kernel_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/km_kernel_test.cpp
                LIBS kohort_kernels RANKS 1 2 3 4 5 LABELS survival km)
target_compile_definitions(km_kernel_test PRIVATE KM_REFERENCE_SCRIPT="${CMAKE_CURRENT_LIST_DIR}/km_reference.R")
kohort_test(km_closed_form_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/km_closed_form_test.cpp
            LIBS kohort_kernels LABELS survival km)
kohort_mpi_test(km_bad_input_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/km_bad_input_test.cpp
                LIBS kohort_kernels LABELS survival km)
kohort_script_test(km_cli_conformance Rscript ARGS ${CMAKE_CURRENT_LIST_DIR}/km_cli_conformance.R LABELS survival km r)
