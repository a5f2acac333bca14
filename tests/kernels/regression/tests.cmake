# GLM kernel tests (kind = glm). The gtest programs link the kernels library (each kernel source is
# compiled once); the end-to-end R conformance through the real CLI is the script test at the bottom.

kohort_test(glm_unit_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/glm_unit_test.cpp
  LIBS kohort_kernels LABELS glm)

kohort_test(glm_r_conformance_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/glm_r_conformance_test.cpp
  LIBS kohort_kernels LABELS "glm;r")
target_compile_definitions(glm_r_conformance_test PRIVATE
  KOHORT_GLM_TEST_SOURCE_DIR="${CMAKE_CURRENT_LIST_DIR}")

kohort_mpi_test(glm_mpi_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/glm_mpi_test.cpp
  LIBS kohort_kernels RANKS 1 2 3 5 LABELS "glm;r")
target_compile_definitions(glm_mpi_test PRIVATE
  KOHORT_GLM_TEST_SOURCE_DIR="${CMAKE_CURRENT_LIST_DIR}")

# End to end through the real CLI: kohort import + kohort run at 1, 2, 3 and 5 ranks against R.
kohort_script_test(glm_cli_conformance Rscript
  ARGS ${CMAKE_CURRENT_LIST_DIR}/glm_cli_conformance.R LABELS "glm;r" TIMEOUT 1200)
