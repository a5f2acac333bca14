# Formula parser and distributed model frame (src/formula).
kohort_test(kohort_formula_parser_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/formula_parser_test.cpp
  LIBS kohort_formula LABELS formula)

kohort_test(kohort_model_frame_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/model_frame_test.cpp ${CMAKE_CURRENT_LIST_DIR}/frame_test_tables.cpp
  LIBS kohort_formula LABELS formula)

kohort_mpi_test(kohort_model_frame_mpi_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/model_frame_mpi_test.cpp ${CMAKE_CURRENT_LIST_DIR}/frame_test_tables.cpp
  LIBS kohort_formula LABELS formula)

# Cross-check against R's model.frame/model.matrix, Surv() and strata(), run inside the test.
find_program(KOHORT_RSCRIPT Rscript)
if(KOHORT_RSCRIPT)
  kohort_test(kohort_model_frame_r_test
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/model_frame_r_test.cpp ${CMAKE_CURRENT_LIST_DIR}/frame_test_tables.cpp
    LIBS kohort_formula LABELS "formula;r")
  target_compile_definitions(kohort_model_frame_r_test PRIVATE KOHORT_RSCRIPT="${KOHORT_RSCRIPT}")
else()
  message(WARNING "Rscript not found: the formula R cross-check test is not built")
endif()

# The same R cross-check under the POSIX locale, as in a stock container with no locale set
# (issue 13): the test's R script must still read and write 'Sjælland' as UTF-8.
if(KOHORT_RSCRIPT)
  add_test(NAME kohort_model_frame_r_test_lc_all_c COMMAND kohort_model_frame_r_test)
  set_tests_properties(kohort_model_frame_r_test_lc_all_c PROPERTIES LABELS "unit;formula;r"
    ENVIRONMENT "OMP_NUM_THREADS=2;LC_ALL=C;LANG=;LANGUAGE=")
endif()
# Limits on exponents, nesting, terms and design-matrix columns (src/formula/limits.hpp).
kohort_test(kohort_formula_limits_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/formula_limits_test.cpp ${CMAKE_CURRENT_LIST_DIR}/frame_test_tables.cpp
  LIBS kohort_formula LABELS formula)
