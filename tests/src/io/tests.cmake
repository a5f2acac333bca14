# Import area: parser, inference, dates, CPR, HMAC, key files (no store), then import into a store.
kohort_test(kohort_io_unit_tests
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/csv_reader_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/values_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/column_builder_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/schema_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/cpr_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/pseudonym_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/project_key_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/plink_files_test.cpp
  LIBS kohort_io
  LABELS import)
kohort_test(kohort_io_import_tests
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/import_test.cpp
  LIBS kohort_io kohort_store
  LABELS import)
