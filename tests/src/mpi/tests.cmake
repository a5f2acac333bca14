# MPI helpers (src/mpi): preemption agreed across ranks (issue 13 point 1).
kohort_mpi_test(test_preemption SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_preemption.cpp LIBS kohort_mpi RANKS 1 2 3 4)
