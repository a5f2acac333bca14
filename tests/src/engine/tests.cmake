# The engine layer (issue 11): option declarations, their validation and the suggestion for a
# misspelt key.
kohort_test(engine_options_test
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/options_test.cpp
  LIBS kohort_engine
  LABELS engine)

# docs/developing.md's example kind, built into a kohort binary of its own (one file, one
# registration) and run through `kohort run`.
add_executable(kohort_example ${PROJECT_SOURCE_DIR}/src/cli/main.cpp ${CMAKE_CURRENT_LIST_DIR}/example_kernel/mean_kernel.cpp)
target_link_libraries(kohort_example PRIVATE kohort_cli kohort_kernels)
kohort_script_test(engine_example_kernel ${CMAKE_CURRENT_LIST_DIR}/example_kernel_run.sh
  ARGS $<TARGET_FILE:kohort_example> LABELS engine TIMEOUT 120)
