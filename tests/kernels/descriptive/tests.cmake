# Release rules of issue 10: complementary suppression of tables, coarsening of curves.
kohort_test(release_rules_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/release_rules_test.cpp
  LIBS kohort_kernels LABELS release)
