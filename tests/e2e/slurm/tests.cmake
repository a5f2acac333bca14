# kohort submit and the local Slurm cluster (issue 6).
kohort_test(test_slurm_script
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_slurm_script.cpp
  LIBS kohort_cli kohort_kernels
  LABELS slurm)
target_compile_definitions(test_slurm_script PRIVATE KOHORT_SOURCE_DIR="${PROJECT_SOURCE_DIR}")

# kohort run --plan (src/cli/plan.cpp) against the formula in docs/admin.md.
kohort_test(test_plan
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_plan.cpp
  LIBS kohort_cli kohort_kernels
  LABELS slurm)

# Without a cluster: dry runs, argument errors, no sbatch on PATH.
kohort_script_test(slurm_submit_dry_run ${CMAKE_CURRENT_LIST_DIR}/submit_dry_run.sh LABELS slurm TIMEOUT 120)

# Through a real single-node Slurm (slurm/local/start.sh, needs root, slurm-wlm and munge).
# RESOURCE_LOCK: the cluster has 2 CPUs; jobs from parallel tests would only queue behind each other.
foreach(t submit_rejected submit_matches_mpirun submit_failed_job submit_cancelled_job)
  kohort_script_test(slurm_${t} ${CMAKE_CURRENT_LIST_DIR}/${t}.sh LABELS "slurm;slurm_cluster" TIMEOUT 600)
  set_tests_properties(slurm_${t} PROPERTIES RESOURCE_LOCK kohort_local_slurm)
endforeach()
