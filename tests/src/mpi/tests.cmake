# MPI layer tests: the chunked collectives with a forced small chunk size, at several rank counts.
kohort_mpi_test(comm_chunk_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/comm_chunk_test.cpp
  LIBS kohort_mpi
  RANKS 1 2 3 5
  LABELS mpi_layer)
