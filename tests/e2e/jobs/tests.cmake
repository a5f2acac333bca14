kohort_script_test(e2e_summary_table_vs_R Rscript ARGS ${CMAKE_CURRENT_LIST_DIR}/summary_table_vs_R.R)
kohort_script_test(e2e_abort_one_rank ${CMAKE_CURRENT_LIST_DIR}/abort_one_rank.sh TIMEOUT 120)
kohort_script_test(e2e_job_governance ${CMAKE_CURRENT_LIST_DIR}/job_governance.sh TIMEOUT 300)
kohort_script_test(e2e_preempt_sigterm ${CMAKE_CURRENT_LIST_DIR}/preempt_sigterm.sh TIMEOUT 600)
