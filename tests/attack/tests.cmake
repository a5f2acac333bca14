# Attack suite (issue 10): subtraction, ratio and margin attacks on every kind's released output
# under each policy at 1 to 4 ranks; nothing below k may be recovered.
foreach(policy dst sds opensafely)
  kohort_script_test(attack_${policy} ${CMAKE_CURRENT_LIST_DIR}/attack_suite.py ARGS ${policy} 1 2 3 4
                     LABELS attack TIMEOUT 1200)
endforeach()
# Differencing across jobs under cell key perturbation (issue 16): >= 50 pairs of jobs, the
# exact-recovery rate of small differences against the bound the perturbation table states.
kohort_script_test(attack_cell_key_differencing ${CMAKE_CURRENT_LIST_DIR}/cell_key_differencing.py
                   LABELS attack disclosure TIMEOUT 900)
