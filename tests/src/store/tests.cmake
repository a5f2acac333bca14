# Store tests (owner: store). Serial unit tests, the MPI partitioning test at 1-4 ranks, and a
# script test that h5dump and h5py read a store kohort wrote.
kohort_test(store_unit_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/store_unit_test.cpp
  LIBS kohort_store
  LABELS store)

kohort_test(store_address_room_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/address_room_test.cpp
  LIBS kohort_store
  LABELS store)

kohort_test(store_child_probe_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/child_probe_test.cpp
  LIBS kohort_store
  LABELS store)

kohort_mpi_test(store_mpi_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/store_mpi_test.cpp
  LIBS kohort_store
  LABELS store)

# A small writer program of our own, so this test does not depend on `kohort import`/`synth`.
add_executable(write_sample_store ${CMAKE_CURRENT_LIST_DIR}/write_sample_store.cpp)
target_link_libraries(write_sample_store PRIVATE kohort_store)
kohort_script_test(store_h5_readers ${CMAKE_CURRENT_LIST_DIR}/h5_readers_test.sh
  ARGS $<TARGET_FILE:write_sample_store> LABELS store TIMEOUT 120)

kohort_test(store_inspect_report_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/inspect_report_test.cpp
  LIBS kohort_store
  LABELS store)
kohort_script_test(store_inspect_cli ${CMAKE_CURRENT_LIST_DIR}/inspect_cli_test.sh
  ARGS $<TARGET_FILE:write_sample_store> LABELS store TIMEOUT 120)

# Broken and foreign stores built with h5py: exit 2 and no crash, at 1 and 3 ranks (issue 13).
kohort_script_test(store_broken_stores ${CMAKE_CURRENT_LIST_DIR}/broken_stores_test.sh
  ARGS $<TARGET_FILE:write_sample_store> LABELS store TIMEOUT 1200)
