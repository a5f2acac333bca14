kohort_test(test_report_page SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_report_page.cpp LIBS kohort_report LABELS report)
