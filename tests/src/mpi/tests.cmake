# MPI helpers (src/mpi): preemption agreed across ranks (issue 13 point 1).
kohort_mpi_test(test_preemption SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_preemption.cpp LIBS kohort_mpi RANKS 1 2 3 4)
# MPI layer tests: the chunked collectives with a forced small chunk size, at several rank counts.
kohort_mpi_test(comm_chunk_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/comm_chunk_test.cpp
  LIBS kohort_mpi
  RANKS 1 2 3 5
  LABELS mpi_layer)
kohort_test(test_transport SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_transport.cpp LIBS kohort_mpi LABELS mpi_layer)
