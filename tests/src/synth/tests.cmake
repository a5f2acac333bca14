# Synthetic cohort (src/synth): generator unit tests, planted-effect recovery, and rank invariance
# of the written store.
kohort_test(test_synth_generator
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_synth_generator.cpp
  LIBS kohort_synth LABELS synth)
kohort_test(test_synth_truth
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_synth_truth.cpp
  LIBS kohort_synth LABELS synth)
kohort_mpi_test(test_synth_store
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_synth_store.cpp
  LIBS kohort_synth LABELS synth RANKS 1 2 3 4)
kohort_script_test(test_synth_cli_ranks ${CMAKE_CURRENT_LIST_DIR}/synth_cli_ranks.sh LABELS synth TIMEOUT 300)
