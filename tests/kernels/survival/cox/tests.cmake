# Cox kernel tests. They link the kernels library (each kernel source is compiled once, for the
# kohort binary and every test alike).

kohort_test(test_cox_unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_cox_unit.cpp
  LIBS kohort_kernels
  LABELS survival cox)

kohort_mpi_test(test_cox_mpi
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_cox_mpi.cpp
  LIBS kohort_kernels
  RANKS 1 2 3 4 5
  LABELS survival cox)
target_include_directories(test_cox_unit PRIVATE ${CMAKE_CURRENT_LIST_DIR})
target_include_directories(test_cox_mpi PRIVATE ${CMAKE_CURRENT_LIST_DIR})

# Conformance with R through the real CLI (import + run at 1, 2, 3 and 5 ranks).
find_program(KOHORT_RSCRIPT Rscript)
if(KOHORT_RSCRIPT)
  foreach(case lung veteran ovarian aml bladder heart rats closed_form bad_input)
    kohort_script_test(cox_r_${case} ${KOHORT_RSCRIPT}
      ARGS ${CMAKE_CURRENT_LIST_DIR}/cox_${case}.R
      LABELS survival cox r)
  endforeach()
endif()
