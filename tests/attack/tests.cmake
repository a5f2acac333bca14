# Attack suite (issue 10): subtraction, ratio and margin attacks on every kind's released output
# under each policy at 1 to 4 ranks; nothing below k may be recovered.
foreach(policy dst sds opensafely)
  kohort_script_test(attack_${policy} ${CMAKE_CURRENT_LIST_DIR}/attack_suite.py ARGS ${policy} 1 2 3 4
                     LABELS attack TIMEOUT 1200)
endforeach()
