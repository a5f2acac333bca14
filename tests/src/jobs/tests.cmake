kohort_test(test_jobs
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_job_file.cpp ${CMAKE_CURRENT_LIST_DIR}/test_disclosure.cpp
          ${CMAKE_CURRENT_LIST_DIR}/test_output_dir.cpp ${CMAKE_CURRENT_LIST_DIR}/test_site_config.cpp
  LIBS kohort_jobs kohort_kernels)
# Cell key perturbation (issue 16): record keys, sums, the perturbation table, the release layer.
kohort_test(test_cell_key SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_cell_key.cpp LIBS kohort_jobs OpenSSL::Crypto LABELS disclosure)
kohort_mpi_test(test_cell_key_mpi SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_cell_key_mpi.cpp LIBS kohort_jobs kohort_kernels
                RANKS 1 2 3 4 LABELS disclosure)
