# Issue 11: declared options. A misspelt key in every section kind is refused through the real CLI
# with a suggestion; `kohort kinds` prints the declarations and docs/jobs.md agrees with them.
kohort_script_test(e2e_misspelt_keys ${CMAKE_CURRENT_LIST_DIR}/misspelt_keys.sh TIMEOUT 600)
kohort_script_test(e2e_kinds_command ${CMAKE_CURRENT_LIST_DIR}/kinds_command.sh TIMEOUT 300)
