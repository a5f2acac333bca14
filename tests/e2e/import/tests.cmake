# End-to-end tests of `kohort import` and `kohort keygen` through the real CLI.
# Each bad-input case asserts the exit code, a FILE:LINE:COL (or file-naming) message, that the store's
# bytes are unchanged, that a new store is not created, and that no CPR number is printed.
foreach(case ragged_row bad_date invalid_cpr invalid_cpr_shape missing_cpr empty_file duplicate_header
             csv_is_directory csv_missing missing_key_file short_key key_readable_by_others
             schema_type_mismatch existing_table)
  kohort_script_test(import_bad_${case} ${CMAKE_CURRENT_LIST_DIR}/bad_input.sh ARGS ${case} LABELS import TIMEOUT 120)
endforeach()
kohort_script_test(import_no_cpr_leak ${CMAKE_CURRENT_LIST_DIR}/no_cpr_leak.sh LABELS import TIMEOUT 120)
kohort_script_test(import_keygen ${CMAKE_CURRENT_LIST_DIR}/keygen.sh LABELS import TIMEOUT 120)
kohort_script_test(import_formats ${CMAKE_CURRENT_LIST_DIR}/formats.sh LABELS import TIMEOUT 120)
kohort_script_test(import_mpi_ranks ${CMAKE_CURRENT_LIST_DIR}/mpi_ranks.sh LABELS import TIMEOUT 300)
