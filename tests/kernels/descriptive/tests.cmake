# Release rules of issue 10: complementary suppression of tables, coarsening of curves.
kohort_test(release_rules_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/release_rules_test.cpp
          ${PROJECT_SOURCE_DIR}/kernels/descriptive/table_suppression.cpp
          ${PROJECT_SOURCE_DIR}/kernels/survival/curve_release.cpp
  LIBS kohort_mpi kohort_jobs LABELS release)
