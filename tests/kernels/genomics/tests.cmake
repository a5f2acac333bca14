# Genomics: genotype tables, kohort import --plink, and kind = gwas against plink2 and R.
# plink2 (Debian package plink2), R and h5py are required: a missing tool fails the test.
foreach(case good cpr bad_magic bad_mode bad_bed_size bad_bim_line bad_bim_fields bad_fam_iid bad_fam_duplicate
             bad_fam_fields bad_fam_cpr)
  kohort_script_test(plink_import_${case} ${CMAKE_CURRENT_LIST_DIR}/plink_import.sh ARGS ${case}
                     LABELS "genomics;import" TIMEOUT 120)
endforeach()
kohort_script_test(gwas_linear_plink2 ${CMAKE_CURRENT_LIST_DIR}/gwas_linear_plink2.sh LABELS "genomics;plink2;r" TIMEOUT 900)
kohort_script_test(gwas_logistic_plink2 ${CMAKE_CURRENT_LIST_DIR}/gwas_logistic_plink2.sh LABELS "genomics;plink2;r" TIMEOUT 900)
kohort_script_test(gwas_demo_planted ${CMAKE_CURRENT_LIST_DIR}/demo_gwas.sh LABELS "genomics;synth" TIMEOUT 600)
kohort_script_test(gwas_cox_r ${CMAKE_CURRENT_LIST_DIR}/gwas_cox_r.sh LABELS "genomics;r" TIMEOUT 900)
# The Surv GWAS null model at 1-5 ranks against one rank and against the Cox fit's information.
kohort_mpi_test(test_gwas_cox_null
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_gwas_cox_null.cpp
  LIBS kohort_kernels
  RANKS 1 2 3 5
  LABELS genomics cox)
# Firth's penalised logistic regression against the 2x2-table closed form (no MPI, no store).
kohort_test(test_gwas_firth
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_gwas_firth.cpp
  LIBS kohort_kernels LABELS genomics)
