# Store tests (owner: store). Serial unit tests, the MPI partitioning test at 1-4 ranks, and a
# script test that h5dump and h5py read a store kohort wrote.
kohort_test(store_unit_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/store_unit_test.cpp
  LIBS kohort_store
  LABELS store)
