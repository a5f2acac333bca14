kohort_test(test_jobs
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_job_file.cpp ${CMAKE_CURRENT_LIST_DIR}/test_disclosure.cpp
          ${CMAKE_CURRENT_LIST_DIR}/test_output_dir.cpp
  LIBS kohort_jobs kohort_kernels)
