# The audit trail's hash chain, release order and transparency report (issue 10 point 7).
kohort_script_test(e2e_audit_chain ${CMAKE_CURRENT_LIST_DIR}/audit_chain.sh TIMEOUT 300)
