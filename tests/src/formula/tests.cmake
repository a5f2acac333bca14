# Formula parser and distributed model frame (src/formula).
kohort_test(kohort_formula_parser_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/formula_parser_test.cpp
  LIBS kohort_formula LABELS formula)
