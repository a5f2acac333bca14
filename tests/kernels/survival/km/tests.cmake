# km / cif / finegray kernels (issue 3). The gtest programs compute R's reference values in the same
# run (km_reference.R) and compare at 1-4 ranks. The estimator sources are compiled in directly so
# these tests do not depend on the model frame or the CLI.
set(KM_KERNEL_SOURCES
  ${PROJECT_SOURCE_DIR}/kernels/survival/km_counts.cpp
  ${PROJECT_SOURCE_DIR}/kernels/survival/km_estimator.cpp
  ${PROJECT_SOURCE_DIR}/kernels/survival/km_kernel.cpp
  ${PROJECT_SOURCE_DIR}/kernels/survival/km_release.cpp
  ${PROJECT_SOURCE_DIR}/kernels/survival/logrank.cpp
  ${PROJECT_SOURCE_DIR}/kernels/survival/gray_test.cpp
  ${PROJECT_SOURCE_DIR}/kernels/survival/cif_kernel.cpp
  ${PROJECT_SOURCE_DIR}/kernels/survival/svg_plot.cpp
  ${PROJECT_SOURCE_DIR}/src/jobs/model_registry.cpp
  ${PROJECT_SOURCE_DIR}/src/jobs/disclosure.cpp
  ${PROJECT_SOURCE_DIR}/src/jobs/release.cpp
  ${PROJECT_SOURCE_DIR}/kernels/survival/curve_release.cpp
  ${PROJECT_SOURCE_DIR}/kernels/linkage/cohort_labels.cpp)
kohort_mpi_test(km_kernel_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/km_kernel_test.cpp ${KM_KERNEL_SOURCES}
                LIBS kohort_mpi RANKS 1 2 3 4 5 LABELS survival km)
target_compile_definitions(km_kernel_test PRIVATE KM_REFERENCE_SCRIPT="${CMAKE_CURRENT_LIST_DIR}/km_reference.R")
kohort_test(km_closed_form_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/km_closed_form_test.cpp ${KM_KERNEL_SOURCES}
            LIBS kohort_mpi LABELS survival km)
kohort_mpi_test(km_bad_input_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/km_bad_input_test.cpp ${KM_KERNEL_SOURCES}
                ${PROJECT_SOURCE_DIR}/kernels/survival/km_data.cpp
                LIBS kohort_formula kohort_store kohort_mpi LABELS survival km)
kohort_script_test(km_cli_conformance Rscript ARGS ${CMAKE_CURRENT_LIST_DIR}/km_cli_conformance.R LABELS survival km r)
