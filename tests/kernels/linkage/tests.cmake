# Linkage and cohort building (issue 5). The gtest programs compile the linkage sources directly,
# so they build while other kernels in the tree are mid-edit.
set(KOHORT_LINKAGE_SOURCES
    ${PROJECT_SOURCE_DIR}/kernels/linkage/code_match.cpp
    ${PROJECT_SOURCE_DIR}/kernels/linkage/study_definition.cpp
    ${PROJECT_SOURCE_DIR}/kernels/linkage/pid_exchange.cpp
    ${PROJECT_SOURCE_DIR}/kernels/linkage/register_scan.cpp
    ${PROJECT_SOURCE_DIR}/kernels/linkage/cohort_builder.cpp
    ${PROJECT_SOURCE_DIR}/kernels/linkage/lexis.cpp)

kohort_test(test_linkage_unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_linkage_unit.cpp ${KOHORT_LINKAGE_SOURCES}
  LIBS kohort_jobs kohort_io kohort_store
  LABELS linkage)

# The cohort built on 1-4 ranks equals the one built by a single rank (MPI_COMM_SELF) and the
# generator's own record of every person; a register stored unpartitioned gives the same cohort
# through the all-to-all exchange; Lexis pieces add up to the cohort's follow-up.
kohort_mpi_test(test_linkage_mpi
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_linkage_mpi.cpp ${KOHORT_LINKAGE_SOURCES}
  LIBS kohort_jobs kohort_io kohort_synth kohort_store
  RANKS 1 2 3 4
  LABELS linkage)

# Bad study definitions: each gets exit 2 and a message naming the job file, section and key, or a
# documented warning in results.json.
kohort_script_test(test_linkage_bad_input ${CMAKE_CURRENT_LIST_DIR}/bad_input.sh LABELS linkage TIMEOUT 300)

# The demo study end to end on 2 ranks with a fixed seed: every planted hazard ratio lies inside its
# 95% confidence interval.
kohort_script_test(test_linkage_demo ${CMAKE_CURRENT_LIST_DIR}/demo_truth.sh LABELS linkage TIMEOUT 600)

# save = true: the saved table equals an independent numpy computation of the cohort, a later job
# reads it from the store, and the site's project approvals govern it like any other table.
kohort_script_test(test_linkage_save_table ${CMAKE_CURRENT_LIST_DIR}/save_table.sh LABELS linkage TIMEOUT 300)
