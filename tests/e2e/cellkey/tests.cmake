# Cell key perturbation end to end (issue 16): one cohort from two job files at 1-4 ranks, every
# kind under perturbation, no secret or record key in any output or message.
kohort_script_test(e2e_cell_key_consistency ${CMAKE_CURRENT_LIST_DIR}/cell_key_consistency.py LABELS disclosure TIMEOUT 900)
