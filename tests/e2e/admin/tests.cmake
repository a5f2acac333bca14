# kohort node-check (issue 15): figures, a recommendation and a configuration snippet, under a minute.
kohort_script_test(e2e_node_check ${CMAKE_CURRENT_LIST_DIR}/node_check.sh TIMEOUT 240 LABELS admin)
