# Linkage and cohort building (issue 5). The gtest programs link the kernels library.
kohort_test(test_linkage_unit
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_linkage_unit.cpp
  LIBS kohort_kernels
  LABELS linkage)

# The cohort built on 1-4 ranks equals the one built by a single rank (MPI_COMM_SELF) and the
# generator's own record of every person; a register stored unpartitioned gives the same cohort
# through the all-to-all exchange; Lexis pieces add up to the cohort's follow-up.
kohort_mpi_test(test_linkage_mpi
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_linkage_mpi.cpp
  LIBS kohort_kernels kohort_synth
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
